"""Checking roster rows for the import: validation, ID hash, encryption, pinyin — no database.

A pure function of a block of rows: each block is checked, then written, in turn. The
rules themselves live in core.residents.service.clean_form and core.residents.identity (one source of
truth); this module only calls them row by row, with caches for the values a roster
repeats (categories, dates left empty, common names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from core.base.crypto import Vault
from core.base.errors import Invalid, InvalidMany
from core.base.spreadsheets import cell_text
from core.base.text import clean
from core.base.validation import mask_id
from core.residents import service as residents
from core.residents.pinyin import full_and_initials

TAG_WORDS = {
    "独居老人": "elderly_alone", "独居": "elderly_alone", "空巢老人": "empty_nest", "空巢": "empty_nest",
    "残疾人": "disabled", "残疾": "disabled", "低保": "dibao", "低保户": "dibao", "低保对象": "dibao",
    "留守儿童": "left_behind_child", "优抚对象": "special_care", "优抚": "special_care",
    "失业人员": "unemployed", "失业": "unemployed",
    "特困人员": "destitute", "特困": "destitute", "特困供养": "destitute", "困境儿童": "child_in_difficulty",
    "退役军人": "veteran", "社区矫正": "community_correction", "社区矫正对象": "community_correction",
    "安置帮教": "post_release", "安置帮教对象": "post_release", "刑满释放人员": "post_release",
    "严重精神障碍": "severe_mental_disorder", "严重精神障碍患者": "severe_mental_disorder",
    "吸毒人员": "drug_user", "社区戒毒": "drug_user",
    "高龄老人": residents.OLDEST_OLD, "高龄": residents.OLDEST_OLD,  # refused with its reason: it comes from age
}
_TAG_SPLIT = re.compile(r"[;；、,，/\s]+")
_NEEDED_WITHOUT_ID = {"error.birth.required_without_id", "error.sex.required_without_id"}

# A refusal as plain data (field, key, params): Invalid itself does not survive pickling.
Refusal = tuple[str, str, dict[str, Any]]
# (line, refusals before the grid, grid cell text, refusals after the grid, the row ready to write or None)
Checked = tuple[int, list[Refusal], str, list[Refusal], "Prepared | None"]
# (id_hash, (address, compound, building, unit, room), tags, resident columns from `name` on)
Prepared = tuple[str | None, tuple[str, str, str, str, str], tuple[str, ...], tuple[Any, ...]]


@dataclass(frozen=True)
class CheckContext:
    """Everything a block of rows is checked with."""

    columns: dict[str, int]
    vault: Vault
    today: date | None
    sqlite: bool
    stamp: Any  # created_at/updated_at as the driver takes it
    birth_month_only: bool = False  # the birth column is 出生年月: a year and a month
    ids_cut_by_excel: bool = False  # the ID column looks cut to 15 digits: its ...000 IDs are refused


def year_month_text(cell: Any, id_cell: Any) -> str:
    """A 出生年月 cell as text that says a year and a month.

    A workbook gives a date for a cell formatted 1980年10月 (day 1, which is no birthday),
    and the number 1980.1 for "1980.10" typed into a plain cell: that could be January or
    October, so the ID number's month decides between the two.
    """
    has_id = bool(clean(cell_text(id_cell)))
    if isinstance(cell, (datetime, date)):
        # Day 1 beside an ID number is the format's, not a birthday; otherwise the date is kept whole.
        return f"{cell.year}年{cell.month}月" if has_id and cell.day == 1 else cell_text(cell)
    if isinstance(cell, float) and not cell.is_integer():
        year, hundredths = int(cell), round((cell - int(cell)) * 100)
        month = hundredths // 10 if hundredths % 10 == 0 else hundredths  # 1980.2 → 2, 1980.12 → 12, 1980.05 → 5
        if month == 1 and clean(cell_text(id_cell)).replace(" ", "")[10:12] == "10":
            month = 10  # 1980.1 is January, or October with its 0 lost: the ID number decides
        return f"{year}年{month}月"
    return cell_text(cell)


def tags(text: str) -> list[str]:
    if not text:
        return []
    words = [w for w in _TAG_SPLIT.split(clean(text)) if w]
    unknown = [w for w in words if w not in TAG_WORDS and w not in residents.TAGS]
    if unknown:
        raise Invalid("tags", "error.tag.unknown", tags="、".join(unknown))
    return [TAG_WORDS.get(w, w) for w in words]


@lru_cache(maxsize=4096)
def _tags_or_refusal(text: str) -> tuple[tuple[str, ...], Refusal | None]:
    """tags(), cached: a roster repeats a handful of category cells."""
    try:
        return tuple(tags(text)), None
    except Invalid as exc:
        return (), _refusal(exc)


def _refusal(exc: Invalid) -> Refusal:
    return exc.field, exc.key, exc.params


def is_blank(row: list[Any]) -> bool:
    return not any(c is not None and str(c).strip() for c in row)


_FIELDS = ("name", "sex", "birth_date", "phone", "address", "grid", "notes", "relation", "ethnicity", "tags", "hukou")


def check_rows(context: CheckContext, first_line: int, rows: list[list[Any]]) -> list[Checked]:
    """Each non-blank row checked and, when good, made ready to write (ID hashed and encrypted)."""
    positions = [context.columns.get(key, -1) for key in _FIELDS]
    name_column = positions[0]
    id_column = context.columns.get("id_number", -1)
    today = context.today or date.today()  # once per block, not once per row
    clean_fields = residents.clean_fields
    checked: list[Checked] = []
    pending: list[tuple[int, residents.CleanResident, str | None]] = []  # (position in checked, row, ID)

    for offset, row in enumerate(rows):
        width = len(row)
        first = row[name_column] if 0 <= name_column < width else None
        if not (type(first) is str and first.strip()) and is_blank(row):  # a named row is never blank
            continue
        cells = [row[p] if 0 <= p < width else "" for p in positions]
        if context.birth_month_only and type(cells[2]) is not str:
            cells[2] = year_month_text(cells[2], row[id_column] if 0 <= id_column < width else "")
        for index, cell in enumerate(cells):
            if type(cell) is not str:  # CSV cells are text already; a workbook's may not be
                cells[index] = cell_text(cell)
        name, sex, birth_date, phone, address, grid, notes, relation, ethnicity, tag_cell, hukou = cells

        before: list[Refusal] = []
        id_cell = row[id_column] if 0 <= id_column < width else ""
        if type(id_cell) is not str:
            if isinstance(id_cell, (int, float)) and not isinstance(id_cell, bool):
                before.append(("id_number", "error.import.id_is_number", {}))
                id_cell = ""
            else:
                id_cell = cell_text(id_cell)
        row_tags, tag_refusal = _tags_or_refusal(tag_cell)
        if tag_refusal is not None:
            before.append(tag_refusal)
        after: list[Refusal] = []
        try:
            clean_row: residents.CleanResident | None = clean_fields(
                name, id_cell, birth_date, sex, phone, 0, address, relation, ethnicity, row_tags, notes, today,
                hukou=hukou)
        except InvalidMany as many:
            id_refused = any(r[0] == "id_number" for r in before)
            # With the ID refused, "birth date needed without an ID" would only repeat it.
            after = [_refusal(e) for e in many.errors if not (id_refused and e.key in _NEEDED_WITHOUT_ID)]
            clean_row = None
        if context.ids_cut_by_excel and clean_row is not None and clean_row.id_number \
                and clean_row.id_number.value.endswith("000"):
            before.append(("id_number", "error.import.id_truncated", {}))
        if clean_row is not None and not before:
            pending.append((len(checked), clean_row, clean_row.id_number.value if clean_row.id_number else None))
        checked.append((first_line + offset, before, grid, after, None))

    tokens = iter(context.vault.encrypt_many([value for _, _, value in pending if value]))
    lookup_hash = context.vault.lookup_hash
    for position, data, id_value in pending:
        line, before, grid, after, _ = checked[position]
        checked[position] = (line, before, grid, after, _prepared(context, data, id_value, lookup_hash, tokens))
    return checked


def _prepared(context: CheckContext, data: residents.CleanResident, id_value: str | None, lookup_hash: Any,
              tokens: Any) -> Prepared:
    pinyin, initials = full_and_initials(data.name)
    a = data.address
    stamp = context.stamp
    id_hash = lookup_hash(id_value) if id_value else None
    return (
        id_hash,
        (a.text, a.compound, a.building, a.unit, a.room),
        data.tags,
        (data.name, pinyin, initials, data.sex, data.birth_date.isoformat() if context.sqlite else data.birth_date,
         next(tokens) if id_value else None, id_hash, mask_id(id_value) if id_value else "", data.phone,
         data.phone[-4:], data.relation, data.ethnicity, "active", data.notes, stamp, stamp, 1, data.hukou),
    )
