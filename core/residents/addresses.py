"""Split an address as people write it into 小区 / 楼栋 / 单元 / 门牌."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.base.text import clean

_PATTERN = re.compile(
    r"^(?P<compound>.*?(?:小区|花园|家园|公寓|大院|新村|苑|里|村|院|社区))?"
    r"(?P<building>\d+[号栋幢座](?:楼)?)?"
    r"(?P<unit>\d+单元)?"
    r"(?P<room>\d+(?:室|号)?)?$"
)
_SPACES = re.compile(r"\s+")

_PART_MAX = {"compound": 50, "building": 20, "unit": 20, "room": 20}  # the households columns


@dataclass(frozen=True)
class Address:
    text: str
    compound: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""


@lru_cache(maxsize=65536)
def parse(value: str | None) -> Address:
    """Cached: a roster names the same buildings again and again (Address is immutable)."""
    return _parse_clean(re_space(clean(value)))


def _parse_clean(text: str) -> Address:
    match = _PATTERN.match(text)
    if not text or not match:
        return Address(text)
    compound, building, unit, room = (found or "" for found in match.groups())
    if (len(compound) > _PART_MAX["compound"] or len(building) > _PART_MAX["building"]
            or len(unit) > _PART_MAX["unit"] or len(room) > _PART_MAX["room"]):
        return Address(text)  # not an address this parser understands: keep it whole
    return Address(text, compound, building, unit, room)


def re_space(text: str) -> str:
    return _SPACES.sub("", text)
