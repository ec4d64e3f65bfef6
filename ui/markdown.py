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
# Bare addresses become links after parsing (GFM autolink literals: www.…, http://…, a@b.org), so
# escapes cannot stop them: an invisible WORD JOINER (U+2060) splits what they start with. Text
# copied from the screen carries it; core.text.clean drops it (a format character) when typed back.
_AUTOLINK_START = re.compile(r"(?i)(www|https?|ftp|mailto|xmpp)(?=\.|\\:)|@")
_WORD_JOINER = "\u2060"


def plain(value: object) -> str:
    """`value` as text that markdown shows as typed (indentation at the start of a line aside)."""
    text = _INLINE.sub(r"\\\1", _INDENT.sub("", str(value)))
    text = _LINE_MARK.sub(r"\\\1", text)
    text = _AUTOLINK_START.sub(lambda match: match[0] + _WORD_JOINER, text)
    return _LINE_NUMBER.sub(r"\1\\\2", text)
