"""People's text inside Streamlit markdown (st.write, st.error, labels), shown as typed.

A note such as "门禁 ![x](http://example.org/p.png) 补贴 $300，另 $200" would otherwise load an
outside image, turn into a link or a formula, or lose its * and _ to emphasis.
"""

from __future__ import annotations

import re

# What starts markup inside a line: emphasis, code, links and images ([ ] — without them ! and ( )
# do nothing), raw HTML and entities (&#8238; would bring back a character cleaning removed),
# Streamlit's formulas ($), colours and icons (:red[…], :material/…:), strikethrough, tables.
_INLINE = re.compile(r"([\\`*_\[\]<>&$~:|])")
# Indented lines would become a code block, shown with the escapes above.
_INDENT = re.compile(r"(?m)^[ \t]+")
# What starts markup at the start of a line (indentation already gone): headings, quotes, bullets,
# setext underlines ...
_LINE_MARK = re.compile(r"(?m)^([#>+\-=])")
# ... and numbered lists ("1. ", "2) ").
_LINE_NUMBER = re.compile(r"(?m)^([0-9]+)([.)])")
# Bare addresses become links after parsing (GFM autolink literals: www.…, http://…, a@b.org), past
# any escape; inside a code span they stay text, and copy as typed. Only their ASCII part is taken:
# what follows without a space (，联系…) cannot start a link of its own.
_ADDRESS = re.compile(r"(?i)(?:(?:https?|ftp)://|www\.|mailto:|xmpp:)[!-~]*"
                      r"|[a-z0-9._+-]+@[a-z0-9_-]+(?:\.[a-z0-9_-]+)+")


def plain(value: object) -> str:
    """`value` as text that markdown shows as typed (indentation at the start of a line aside;
    addresses in a code span)."""
    text = _INDENT.sub("", str(value))
    parts, last = [], 0
    for address in _ADDRESS.finditer(text):
        parts += [_escaped(text[last:address.start()]), _code_span(address[0])]
        last = address.end()
    parts.append(_escaped(text[last:]))
    return "".join(parts)


def _escaped(text: str) -> str:
    # A piece after an address is escaped as if it began a line: an escape too many shows the same.
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_MARK.sub(r"\\\1", text)
    return _LINE_NUMBER.sub(r"\1\\\2", text)


def _code_span(text: str) -> str:
    """`text` as a code span: fenced by more backticks than it holds in a row, padded if it
    starts or ends with one (CommonMark)."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
