"""Split an address as people write it into 小区 / 楼栋 / 单元 / 门牌."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import clean

_PATTERN = re.compile(
    r"^(?P<compound>.*?(?:小区|花园|家园|公寓|大院|新村|苑|里|村|院|社区))?"
    r"(?P<building>\d+[号栋幢座](?:楼)?)?"
    r"(?P<unit>\d+单元)?"
    r"(?P<room>\d+(?:室|号)?)?$"
)


_PART_MAX = {"compound": 50, "building": 20, "unit": 20, "room": 20}  # the households columns


@dataclass(frozen=True)
class Address:
    text: str
    compound: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""


def parse(value: str | None) -> Address:
    text = re_space(clean(value))
    match = _PATTERN.match(text)
    if not text or not match:
        return Address(text)
    parts = {key: (found or "") for key, found in match.groupdict().items()}
    if any(len(value) > _PART_MAX[key] for key, value in parts.items()):
        return Address(text)  # not an address this parser understands: keep it whole
    return Address(text, **parts)


def re_space(text: str) -> str:
    return re.sub(r"\s+", "", text)
