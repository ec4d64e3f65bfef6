"""General checks of what people type: required text, mobile numbers, dates.

- mobile numbers: +86, spaces and hyphens accepted, stored as 11 digits 1[3-9]xxxxxxxxx;
- dates: 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日 or 20240301.

A person's name, ID number and sex are checked in core.residents.identity.
"""

from __future__ import annotations

import re
from datetime import date

from core.base.errors import Invalid
from core.base.text import clean, clean_prose

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def limited_text(value: str | None, field: str, maximum: int, *, prose: bool = True) -> str:
    """Text that may be empty: trimmed, at most `maximum` characters; prose keeps its punctuation
    as typed, a short value (prose=False) is NFKC-folded like a name."""
    text = clean_prose(value) if prose else clean(value)
    if len(text) > maximum:
        raise Invalid(field, "error.too_long", max=maximum)
    return text


def required_text(value: str | None, field: str, maximum: int, *, prose: bool = True) -> str:
    """limited_text() that must be given."""
    text = limited_text(value, field, maximum, prose=prose)
    if not text:
        raise Invalid(field, "error.required")
    return text


def mobile(value: str | None, field: str = "phone") -> str:
    """An 11-digit mainland mobile number, or "" when none was given."""
    text = clean(value)
    if not text:
        return ""
    digits = _PHONE_NOISE.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.match(digits):
        raise Invalid(field, "error.phone.format")
    return digits


def parse_date(value: str | date | None, field: str) -> date | None:
    """A date typed as 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日 or 20240301."""
    if value is None or isinstance(value, date):
        return value
    text = clean(value)
    if not text:
        return None
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if not match:
        raise Invalid(field, "error.date.format", value=text)
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Invalid(field, "error.date.invalid", value=text) from None


def past_or_today(value: date | str | None, field: str, today: date) -> date:
    """A required date, not after `today` (an intake, a visit, a rating)."""
    day = parse_date(value, field)
    if day is None:
        raise Invalid(field, "error.required")
    if day > today:
        raise Invalid(field, "error.date.future")
    return day


def whole_number(value: int | str | None, field: str, low: int, high: int, key: str) -> int:
    """A whole number from low to high, typed or given; else Invalid(field, key)."""
    try:
        number = int(str(value if value is not None else "").strip())
    except ValueError:
        raise Invalid(field, key) from None
    if not low <= number <= high:
        raise Invalid(field, key)
    return number


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February: the 28th): born on it or before, that old on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def mask_id(value: str) -> str:
    """**************123X: the last 4 characters only. With the birth date and sex shown beside it
    (digits 7-14 and 17), the 6 digits of the region stay unknown (DESIGN: at least 6)."""
    return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) == 11 else ("*" * len(value))
