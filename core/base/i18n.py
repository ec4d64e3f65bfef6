"""Translation catalogues (zh-CN default, en) and the one function that reads them."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = {"zh-CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh-CN"
_LOCALES = Path(__file__).parent / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    with (_LOCALES / f"{language}.toml").open("rb") as handle:
        return tomllib.load(handle)


def translate(language: str, key: str, **params: Any) -> str:
    """The text for `key`; falls back to zh-CN, then to the key itself (a test keeps both complete)."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
