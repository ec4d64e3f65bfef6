"""One page of a list that is filtered, counted and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
