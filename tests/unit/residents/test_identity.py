"""Who a person is: GB 11643 ID numbers, names, birth date and sex, valid and invalid, with the reason."""

from datetime import date

import pytest

from core.base import validation
from core.base.errors import Invalid, InvalidMany
from core.residents import identity

TODAY = date(2026, 11, 29)


def make_id(region="110105", born="19491231", seq="002"):
    first17 = region + born + seq
    return first17 + identity.check_digit(first17)


@pytest.mark.parametrize(
    ("typed", "stored", "born", "sex"),
    [
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), "F"),
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), "F"),  # lower-case x
        (" 110105 19491231 002X ", "11010519491231002X", date(1949, 12, 31), "F"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", date(1949, 12, 31), "F"),  # full-width
        (make_id(born="20000229", seq="011"), make_id(born="20000229", seq="011"), date(2000, 2, 29), "M"),
        (make_id(region="650102"), make_id(region="650102"), date(1949, 12, 31), "F"),  # 新疆
        (make_id(region="810000"), make_id(region="810000"), date(1949, 12, 31), "F"),  # 香港
        (make_id(region="830000"), make_id(region="830000"), date(1949, 12, 31), "F"),  # 港澳台居民居住证
        (make_id(region="911560"), make_id(region="911560"), date(1949, 12, 31), "F"),  # 外国人永久居留身份证
    ],
)
def test_valid_id_numbers(typed, stored, born, sex):
    parsed = identity.id_number(typed, today=TODAY)
    assert (parsed.value, parsed.birth_date, parsed.sex) == (stored, born, sex)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("", "error.required"),
        ("110105194912310", "error.id.length"),  # the old 15-digit form
        ("11010519491231002", "error.id.length"),
        ("1101051949123100XX", "error.id.characters"),
        ("11010519491231002Y", "error.id.characters"),
        ("110105194912310021", "error.id.check_digit"),
        (make_id(born="19900230")[:17] + "0", "error.id.date"),  # 30 February
        (make_id(born="20990101"), "error.id.date_range"),  # born in the future
        (make_id(born="18991231"), "error.id.date_range"),
        (make_id(born="20261130"), "error.id.date_range"),  # tomorrow
    ],
)
def test_invalid_id_numbers_say_why(typed, key):
    with pytest.raises(Invalid) as refused:
        identity.id_number(typed, today=TODAY)
    assert (refused.value.field, refused.value.key) == ("id_number", key)


@pytest.mark.parametrize("region", ["000000", "100105", "160101", "240101", "380101", "470101", "550101", "660101",
                                    "700101", "840101", "010101"])
def test_an_id_whose_first_two_digits_are_no_province_says_which_part_is_wrong(region):
    """GB/T 2260 province-level codes (and 9 for the 2023 外国人永久居留身份证), checked before the
    date and the check digit so that the message names the address code."""
    with pytest.raises(Invalid) as refused:
        identity.id_number(make_id(region=region), today=TODAY)
    assert (refused.value.key, refused.value.params) == ("error.id.region", {"code": region, "province": region[:2]})


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  张伟 ", "张伟"),
        ("张　伟", "张伟"),  # ideographic space
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("Ｔｏｍ", "Tom"),
        ("John  Smith", "John Smith"),  # latin words keep one space between them
        ("Anna-Maria O'Brien", "Anna-Maria O'Brien"),
        (" José\u3000García ", "José García"),
        ("Mary 张", "Mary张"),
        ("Nguyễn Thị  Lệ Hằng", "Nguyễn Thị Lệ Hằng"),
    ],
)
def test_names_are_normalised(typed, stored):
    assert identity.name(typed) == stored


@pytest.mark.parametrize(("typed", "key"), [("", "error.required"), ("　", "error.required"), ("·张", "error.name.dots"),
                                            ("名" * 51, "error.too_long")])
def test_bad_names(typed, key):
    with pytest.raises(Invalid) as refused:
        identity.name(typed)
    assert refused.value.key == key


def test_identity_is_derived_from_the_id_and_cross_checked():
    parsed, born, sex = identity.identity("11010519491231002X", "1949年12月31日", "女", today=TODAY)
    assert (born, sex) == (date(1949, 12, 31), "F") and parsed.value == "11010519491231002X"
    with pytest.raises(Invalid) as refused:
        identity.identity("11010519491231002X", "1950-01-01", "", today=TODAY)
    assert refused.value.field == "birth_date"
    with pytest.raises(Invalid) as refused:
        identity.identity("11010519491231002X", None, "男", today=TODAY)
    assert refused.value.field == "sex"


def test_without_an_id_birth_date_and_sex_are_required():
    assert identity.identity("", "2010/3/5", "男", today=TODAY)[1:] == (date(2010, 3, 5), "M")
    with pytest.raises(Invalid) as refused:
        identity.identity("", None, "男", today=TODAY)
    assert (refused.value.field, refused.value.key) == ("birth_date", "error.birth.required_without_id")
    with pytest.raises(Invalid) as refused:
        identity.identity("", "2010/3/5", "", today=TODAY)
    assert (refused.value.field, refused.value.key) == ("sex", "error.sex.required_without_id")


@pytest.mark.parametrize(("id_text", "birth", "sex", "refused"), [
    ("110105194912310021", "1949/13/45", "女", [("id_number", "error.id.check_digit"), ("birth_date", "error.date.invalid")]),
    ("110105194912310021", "", "外星", [("id_number", "error.id.check_digit"), ("sex", "error.sex.unknown")]),
    ("1101051949", "昨天", "外星", [("id_number", "error.id.length"), ("birth_date", "error.date.format"),
                                     ("sex", "error.sex.unknown")]),
    ("", "昨天", "外星", [("birth_date", "error.date.format"), ("sex", "error.sex.unknown")]),
])
def test_a_bad_id_number_does_not_hide_a_bad_birth_date_or_sex_beside_it(id_text, birth, sex, refused):
    with pytest.raises(InvalidMany) as many:
        identity.identity(id_text, birth, sex, today=TODAY)
    assert [(error.field, error.key) for error in many.value.errors] == refused


def test_a_bad_id_number_beside_a_readable_birth_date_is_refused_alone():
    with pytest.raises(Invalid) as refused:  # a birth date that can be read is only compared with a good ID
        identity.identity("1101051949", "1949年12月", "女", today=TODAY)
    assert not isinstance(refused.value, InvalidMany) and refused.value.field == "id_number"


@pytest.mark.parametrize("typed", ["1949.12", "1949-12", "1949年12月", "194912"])
def test_a_roster_year_and_month_is_checked_against_the_id(typed):
    assert identity.identity("11010519491231002X", typed, "", today=TODAY)[1] == date(1949, 12, 31)
    with pytest.raises(Invalid) as refused:
        identity.identity("11010519491231002X", typed.replace("12", "11", 1), "", today=TODAY)
    assert refused.value.field == "birth_date"


@pytest.mark.parametrize("typed", ["١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "11010519491231002\u0660", "1101051949123\u06f1002X"])
def test_non_ascii_digits_are_not_id_digits(typed):
    with pytest.raises(Invalid):
        identity.id_number(typed, today=TODAY)


def test_control_characters_are_dropped():
    assert identity.name("张\x00伟\x07") == "张伟"


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u00ad", "\u2060", "\u200d"])
def test_invisible_characters_are_dropped_from_names(invisible):
    assert identity.name(f"{invisible}张{invisible}伟{invisible}") == "张伟"


def test_an_id_mask_leaves_six_digits_unknown_beside_the_birth_date_and_sex():
    """DESIGN (ID numbers): mask + birth date + sex + address leave at least 6 unknown digits."""
    number = "11010519491231002X"
    masked = validation.mask_id(number)
    assert masked == "**************002X"
    shown = {i for i, char in enumerate(masked) if char != "*"}
    from_birth_date_and_sex = set(range(6, 14)) | {16}  # GB 11643: digits 7-14 the date, 17 the sex
    assert 18 - len(shown | from_birth_date_and_sex) == 6  # the region code
    assert validation.mask_phone("13812345678") == "138****5678"


def test_the_fast_check_digit_agrees_with_the_standard_weights():
    import random

    rng = random.Random(11643)
    for _ in range(5000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert identity._check_digit_of_ascii(first17) == identity.check_digit(first17), first17


def test_an_id_birth_date_that_does_not_exist_is_refused_each_time():
    # The date in an ID is remembered per value: a refused one must be refused again, not cached as good.
    bad = make_id(born="19490230")
    for _ in range(2):
        with pytest.raises(Invalid) as refused:
            identity.id_number(bad, today=TODAY)
        assert refused.value.key == "error.id.date"
