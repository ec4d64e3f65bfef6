"""What people type: short values folded by NFKC, prose kept as written."""

import pytest

from core.base.text import clean, clean_prose


@pytest.mark.parametrize(("typed", "value", "prose"), [
    ("  张伟\u3000", "张伟", "张伟"),                                # ideographic space trimmed by both
    ("１３８００００１１１１", "13800001111", "１３８００００１１１１"),      # full-width digits: folded in values only
    ("测试备注：门禁卡（已补办），完毕", "测试备注:门禁卡(已补办),完毕", "测试备注：门禁卡（已补办），完毕"),
    ("line one\nline\x00 two\x07", "line one\nline two", "line one\nline two"),  # control characters dropped
    ("e\u0301", "é", "é"),                                               # composed by both
    (None, "", ""),
])
def test_values_are_folded_and_prose_keeps_its_punctuation(typed, value, prose):
    assert clean(typed) == value
    assert clean_prose(typed) == prose


def test_prose_loses_invisible_characters_but_keeps_emoji_joined():
    assert clean_prose("已回访\u200b👨\u200d👩\ufeff") == "已回访👨\u200d👩"
