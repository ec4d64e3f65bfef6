"""Workbooks built to hurt a spreadsheet reader, for the unit, AppTest and browser tests.

Each is a real .xlsx zip written part by part, so that what it declares (a dimension, a part's
size) can be left out or made to lie.
"""

from __future__ import annotations

import io
import struct
import zipfile
from functools import cache

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _package(sheet: str, shared_strings: bytes) -> bytes:
    """The zip an .xlsx is: the fixed parts around one sheet and its shared strings."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def workbook(cells: dict[str, str], *, dimension: str | None = None, shared_strings: bytes | None = None) -> bytes:
    """An .xlsx of one sheet holding `cells` (ref → text, in row order), with the given <dimension>
    (none when None: the element is optional) and sharedStrings part."""
    rows: dict[int, list[str]] = {}
    for ref, text in cells.items():
        row = int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        rows.setdefault(row, []).append(_cell(ref, text))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
             + "".join(f'<row r="{row}">{"".join(row_cells)}</row>' for row, row_cells in sorted(rows.items()))
             + "</sheetData></worksheet>")
    return _package(sheet, shared_strings or (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>'))


HEADER = {"A1": "姓名", "B1": "身份证号", "C1": "住址"}


def corner(*, declared: bool = True) -> bytes:
    """A1 and XFD1048576: the grid between them needs 512 GB."""
    return workbook({**HEADER, "XFD1048576": "x"}, dimension="A1:XFD1048576" if declared else None)


def wide(*, declared: bool = True) -> bytes:
    """A1:T1048576: 20 columns over every line a sheet has, ~1 GB as a grid."""
    return workbook({**HEADER, "T1048576": "x"}, dimension="A1:T1048576" if declared else None)


@cache  # a second or so to build; shared by the tests that use it
def huge_shared_strings(megabytes: int = 240) -> bytes:
    """A small sheet beside a shared-strings table that unpacks to `megabytes` MB."""
    item = b"<si><t>" + b"\xe5\xb9\xb8\xe7\xa6\x8f\xe8\xb7\xaf" * 100 + b"</t></si>"
    count = megabytes * 1024 * 1024 // len(item) + 1
    table = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + item * count + b"</sst>")
    return workbook(HEADER, dimension="A1:C1", shared_strings=table)


@cache
def zip_bomb(megabytes: int = 300, *, lying: bool = False) -> bytes:
    """A sheet part of `megabytes` MB of one repeated row. `lying`: its declared unpacked size in
    both zip headers is rewritten to 1 KB, so only the reader's own limits can stop it."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    body = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + row * (megabytes * 1024 * 1024 // len(row)) + b"</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.replace(
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/>', ""))
        archive.writestr("xl/worksheets/sheet1.xml", body)
    data = bytearray(out.getvalue())
    if lying:
        _declare_size(data, b"xl/worksheets/sheet1.xml", 1024)
    return bytes(data)


def _declare_size(data: bytearray, name: bytes, size: int) -> None:
    """Rewrite the unpacked size of part `name` in its local header and its central directory entry."""
    # (signature, offset of the name's length, of the name, of the unpacked size) in each kind of header
    for signature, length_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        header = data.find(signature)
        while header != -1:
            length = struct.unpack_from("<H", data, header + length_at)[0]
            if data[header + name_at:header + name_at + length] == name:
                struct.pack_into("<I", data, header + size_at, size)
                break
            header = data.find(signature, header + 4)


def amplified(rows: int = 20_000, columns: int = 26, length: int = 100) -> bytes:
    """Every cell of a rows x columns sheet points at one shared string of `length` characters:
    a small file that makes whoever reads it hold rows x columns x length characters."""
    letters = [chr(ord("A") + i) for i in range(columns)]
    table = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
             f'<si><t>{"居" * length}</t></si></sst>').encode()
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>0</v></c>' for c in letters) + "</row>"
                   for r in range(1, rows + 1))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:{letters[-1]}{rows}"/><sheetData>{body}</sheetData></worksheet>')
    return _package(sheet, table)


def encrypted() -> bytes:
    """A workbook whose sheet part is marked encrypted (zip general-purpose flag bit 0)."""
    data = bytearray(workbook(HEADER, dimension="A1:C1"))
    name = b"xl/worksheets/sheet1.xml"
    for signature, length_at, name_at, flags_at in ((b"PK\x03\x04", 26, 30, 6), (b"PK\x01\x02", 28, 46, 8)):
        header = data.find(signature)
        while header != -1:
            length = struct.unpack_from("<H", data, header + length_at)[0]
            if data[header + name_at:header + name_at + length] == name:
                flags = struct.unpack_from("<H", data, header + flags_at)[0]
                struct.pack_into("<H", data, header + flags_at, flags | 1)
                break
            header = data.find(signature, header + 4)
    return bytes(data)
