"""Synthetic rosters for benchmarks and the demo: valid IDs, plausible names and addresses."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from core.validation import check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强海燕淑珍凤英小红晓东"
REGIONS = ("110101", "110105", "110108", "120101", "310104", "440106", "510104", "320102")
COMPOUNDS = ("和平里小区", "幸福家园", "安华里", "青年湖小区", "地坛花园")
TAG_WORDS = ("", "", "", "", "", "", "独居老人", "残疾人", "低保", "留守儿童", "空巢老人、低保")
HEADER = ["姓名", "性别", "身份证号", "出生日期", "联系电话", "住址", "网格", "人员类别", "备注"]


def people(count: int, grids: list[str], seed: int = 11) -> list[list[str]]:
    rng = random.Random(seed)
    rows, used = [], set()
    start = date(1930, 1, 1)
    while len(rows) < count:
        born = start + timedelta(days=rng.randint(0, 33000))
        seq = f"{rng.randint(0, 999):03d}"
        first17 = rng.choice(REGIONS) + born.strftime("%Y%m%d") + seq
        id_number = first17 + check_digit(first17)
        if id_number in used:
            continue
        used.add(id_number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}" if rng.random() < 0.8 else ""
        address = f"{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}"
        rows.append([name, "", id_number, "", phone, address, rng.choice(grids), rng.choice(TAG_WORDS), ""])
    return rows


def as_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def as_xlsx(rows: list[list[str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(index, column, value)
    book.close()
    return out.getvalue()
