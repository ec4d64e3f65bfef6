"""General checks: mobile numbers and dates as people type them, valid and invalid, with the reason."""

from datetime import date

import pytest

from core.base import validation
from core.base.errors import Invalid


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("0086 19912345678", "19912345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("", ""),
    ],
)
def test_valid_mobiles(typed, stored):
    assert validation.mobile(typed) == stored


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "138123456789", "010-12345678", "phone"])
def test_invalid_mobiles(typed):
    with pytest.raises(Invalid) as refused:
        validation.mobile(typed)
    assert (refused.value.field, refused.value.key) == ("phone", "error.phone.format")


def test_non_ascii_digits_are_not_phone_digits():
    with pytest.raises(Invalid):
        validation.mobile("13٨12345678")


@pytest.mark.parametrize("typed", ["2024-03-01", "2024/3/1", "2024.3.1", "2024年3月1日", "20240301"])
def test_dates_in_the_ways_people_write_them(typed):
    assert validation.parse_date(typed, "birth_date") == date(2024, 3, 1)
