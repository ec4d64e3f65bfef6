"""Pinyin of names for search: "zhangwei" and "zw" both find 张伟.

pypinyin per character, cached: a roster repeats a few thousand characters, so the cache
makes this nearly free. Surnames with a reading of their own (曾 zeng, not ceng) are
taken from a small table for the first character.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_SURNAMES = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou", "乐": "yue",
    "盖": "ge", "缪": "miao", "翟": "zhai", "覃": "qin", "召": "shao", "种": "chong", "秘": "bi", "隗": "wei",
    "尉": "yu", "长": "chang", "重": "chong", "柏": "bai", "沈": "shen", "石": "shi", "乜": "nie", "员": "yun",
}


@lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    reading = lazy_pinyin(char, style=Style.NORMAL, errors="default")
    return "".join(reading).lower()


def syllables(name: str) -> list[str]:
    result = []
    for index, char in enumerate(name):
        if char == "·" or char.isspace():  # 买买提·艾力, John Smith
            continue
        result.append(_SURNAMES.get(char) if index == 0 and char in _SURNAMES else _syllable(char))
    return [s for s in result if s]


@lru_cache(maxsize=65536)
def full_and_initials(name: str) -> tuple[str, str]:
    """("zhangwei", "zw"); cached per name, as rosters repeat common names (张伟, 王芳)."""
    parts = syllables(name)
    return "".join(parts), "".join(part[0] for part in parts if part[0].isalnum())
