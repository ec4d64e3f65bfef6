"""Who a person is, as typed: name, ID number (居民身份证号码), birth date and sex.

- names: NFKC and trimmed; ideographic spaces removed, the middle dot of minority and
  foreign names kept as "·";
- ID numbers: GB 11643-1999, 18 characters, an address code whose first two digits are a
  province-level division (GB/T 2260: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 台湾, 81 香港,
  82 澳门, and 83 for the 港澳台居民居住证) or 9 (the 2023 外国人永久居留身份证), a real date between
  1900 and today, ISO 7064 MOD 11-2 check digit; lower-case x accepted and stored as X.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from core.base.errors import Invalid, InvalidMany
from core.base.text import clean
from core.base.validation import parse_date

NAME_MAX = 50
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
PROVINCES = frozenset({*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66),
                       71, 81, 82, 83})
_DOTS = re.compile(r"[·•‧∙・.．]")  # the many dots people type for the name separator
_YEAR_MONTH = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})月?")
_YEAR_MONTH_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})")
# A roster holds tens of thousands of names, IDs and dates: the rules below are written
# so that a good value passes with few calls (compiled patterns, no exception raised), and
# those of a value a roster repeats (names, sexes) remember their answers (a refusal raises,
# so it is never remembered).


@lru_cache(maxsize=65536)
def name_form(value: str | None) -> str:
    """A name as it is stored: cleaned, every kind of middle dot as ·, without spaces (张 伟 /
    张　伟 → 张伟) except one between two latin words (John Smith). Also what a name search
    looks for."""
    words = _DOTS.sub("·", clean(value)).split()
    name = words[0] if words else ""
    for word in words[1:]:
        name += (" " if _latin(name[-1]) and _latin(word[0]) else "") + word
    return name


def _latin(char: str) -> bool:
    """A letter of a latin-script name (Smith, José, Nguyễn), or O'Brien's apostrophe."""
    return char in "'’" or (char.isalpha() and unicodedata.name(char, "").startswith("LATIN"))


def name(value: str | None, field: str = "name") -> str:
    text = name_form(value)
    if not text:
        raise Invalid(field, "error.required")
    if len(text) > NAME_MAX:
        raise Invalid(field, "error.too_long", max=NAME_MAX)
    if text.startswith("·") or text.endswith("·") or "··" in text:
        raise Invalid(field, "error.name.dots")
    return text


class IdNumber(NamedTuple):  # a tuple: built once per roster row, and cheaper than a dataclass
    value: str
    birth_date: date
    sex: str  # "M" | "F"


def check_digit(first17: str) -> str:
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def _check_digit_of_ascii(first17: str) -> str:
    """check_digit for 17 ASCII digits (already matched by _ID_SHAPE), in one int() call.

    The weights are 2**(17-i) mod 11, and 13 ≡ 2 (mod 11): the weighted sum is congruent
    to 2 * (the digits read as a base-13 number), which int() computes in C.
    """
    return _CHECK[2 * int(first17, 13) % 11]


@lru_cache(maxsize=65536)
def _birth_in_id(yyyymmdd: str) -> date:
    """The date in an ID's digits 7-14 (raises ValueError for 19800230); a roster repeats dates."""
    return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))


def id_number(value: str | None, *, today: date | None = None, field: str = "id_number") -> IdNumber:
    text = clean(value).upper().replace(" ", "")
    return _id_of_clean(text, today, field)


def _id_of_clean(text: str, today: date | None, field: str) -> IdNumber:
    if not text:
        raise Invalid(field, "error.required")
    if len(text) != 18:
        raise Invalid(field, "error.id.length", length=len(text))
    if not _ID_SHAPE.match(text):
        raise Invalid(field, "error.id.characters")
    if text[0] != "9" and int(text[:2]) not in PROVINCES:
        raise Invalid(field, "error.id.region", code=text[:6], province=text[:2])
    try:
        born = _birth_in_id(text[6:14])
    except ValueError:
        raise Invalid(field, "error.id.date", date=f"{text[6:10]}-{text[10:12]}-{text[12:14]}") from None
    if born.year < 1900 or born > (today or date.today()):
        raise Invalid(field, "error.id.date_range", date=born.isoformat())
    if _check_digit_of_ascii(text[:17]) != text[17]:
        raise Invalid(field, "error.id.check_digit")
    return IdNumber(text, born, "M" if text[16] in "13579" else "F")


SEX_WORDS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}


@lru_cache(maxsize=256)
def sex(value: str | None, field: str = "sex") -> str:
    """"M"/"F" from 男/女 (or M/F), or "" when none was given."""
    text = clean(value).lower()
    if not text:
        return ""
    if text not in SEX_WORDS:
        raise Invalid(field, "error.sex.unknown", value=text)
    return SEX_WORDS[text]


def _year_month(value: str | date | None) -> tuple[int, int] | None:
    """A roster's 出生年月 column: 1980.01, 1980-1, 1980年1月, 198001."""
    if value is None or isinstance(value, date):
        return None
    text = clean(value)
    if not text:
        return None
    match = _YEAR_MONTH.fullmatch(text) or _YEAR_MONTH_COMPACT.fullmatch(text)
    return (int(match[1]), int(match[2])) if match else None


def identity(id_text: str | None, birth: str | date | None, sex_text: str | None, *, today: date | None = None
             ) -> tuple[IdNumber | None, date, str]:
    """Birth date and sex, derived from the ID when there is one and cross-checked with what was given.

    Refusals of fields that do not depend on each other come together (InvalidMany): a bad ID
    number does not hide an unreadable birth date or sex beside it.
    """
    id_clean = clean(id_text)
    id_compact = id_clean.upper().replace(" ", "")
    try:
        given_sex = sex(sex_text)
    except Invalid as exc:
        raise _with_other_refusals(exc, [lambda: id_clean and _id_of_clean(id_compact, today, "id_number"),
                                         lambda: _readable_birth(birth)]) from None
    if id_clean:
        try:
            parsed = _id_of_clean(id_compact, today, "id_number")
        except Invalid as exc:
            raise _with_other_refusals(exc, [lambda: _readable_birth(birth)]) from None
        if not birth:  # the usual roster row: the birth date is left to the ID
            if given_sex and given_sex != parsed.sex:
                raise Invalid("sex", "error.id.sex_mismatch")
            return parsed, parsed.birth_date, parsed.sex
        year_month = _year_month(birth)
        if year_month is not None:  # only a year and month given: compare those
            if year_month != (parsed.birth_date.year, parsed.birth_date.month):
                raise Invalid("birth_date", "error.id.birth_mismatch", id_date=parsed.birth_date.isoformat())
            given_birth = None
        else:
            given_birth = parse_date(birth, "birth_date")
        if given_birth and given_birth != parsed.birth_date:
            raise Invalid("birth_date", "error.id.birth_mismatch", id_date=parsed.birth_date.isoformat())
        if given_sex and given_sex != parsed.sex:
            raise Invalid("sex", "error.id.sex_mismatch")
        return parsed, parsed.birth_date, parsed.sex
    given_birth = parse_date(birth, "birth_date")
    if given_birth is None:
        raise Invalid("birth_date", "error.birth.required_without_id")
    if given_birth.year < 1900 or given_birth > (today or date.today()):
        raise Invalid("birth_date", "error.id.date_range", date=given_birth.isoformat())
    if not given_sex:
        raise Invalid("sex", "error.sex.required_without_id")
    return None, given_birth, given_sex


def _with_other_refusals(refused: Invalid, checks: list[Callable[[], object]]) -> Invalid:
    """`refused`, or InvalidMany of it with whatever the other fields' `checks` refuse too, in
    the order of the fields (ID number, birth date, sex)."""
    errors = [refused]
    for check in checks:
        try:
            check()
        except Invalid as exc:
            errors.append(exc.with_traceback(None))
    order = ("id_number", "birth_date", "sex")
    errors.sort(key=lambda error: order.index(error.field) if error.field in order else len(order))
    return refused if len(errors) == 1 else InvalidMany(errors)


def _readable_birth(birth: str | date | None) -> None:
    """A birth date that can be read at all (a year and month, or a whole date), when one is given."""
    if _year_month(birth) is None:
        parse_date(birth, "birth_date")
