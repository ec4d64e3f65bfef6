"""Reads the first sheet of a workbook in a child process that may die without harm.

Run by core.base.spreadsheets as
`python -I sheet_reader.py ROWS COLUMNS MEMORY_BYTES CPU_SECONDS TEXT_CHARS`, the workbook on stdin. python-calamine builds the sheet's whole rows x columns grid in Rust
before anything can be checked; a grid too large for memory aborts the process (an allocation
failure is not an exception). Here that process is this child, under an address-space and CPU
limit, never the server.

Answers on stdout, with the exit code saying which:
- 0: the rows, pickled (lists of cells as python-calamine gives them);
- 3: a JSON refusal {"key": ..., "params": {...}} (sheet beyond the limits, unreadable workbook);
- anything else (killed, aborted, out of memory): the parent refuses the file as too large.

It imports nothing of Linli: the less it loads, the less a hostile file can reach.
"""

from __future__ import annotations

import io
import json
import pickle
import resource
import sys

REFUSED = 3


def refuse(key: str, **params: int) -> None:
    sys.stdout.write(json.dumps({"key": key, "params": params}))
    sys.stdout.flush()
    sys.exit(REFUSED)


def main() -> None:
    max_rows, max_columns, memory, cpu_seconds, text_chars = (int(value) for value in sys.argv[1:6])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file holding the roster
    data = sys.stdin.buffer.read()

    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except MemoryError:
        raise  # exit code 1: the parent says "too large"
    except Exception:  # noqa: BLE001 - any parser failure means "not a readable workbook"
        refuse("error.import.unreadable_workbook")
    # to_python(skip_empty_area=False) starts at A1, as spreadsheet line numbers do.
    rows, columns = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
    if rows > max_rows or columns > max_columns:
        refuse("error.import.sheet_too_large", rows=rows, columns=columns, max_rows=max_rows,
               max_columns=max_columns)
    rows = sheet.to_python(skip_empty_area=False)
    # What the server will hold: a small file can point 5 million cells at one long shared string.
    text = sum(len(cell) for row in rows for cell in row if isinstance(cell, str))
    if text > text_chars:
        refuse("error.import.too_much_text", characters=text, max_characters=text_chars)
    sys.stdout.buffer.write(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main()
