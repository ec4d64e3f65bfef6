"""People's text inside Streamlit markdown (st.write, st.error, labels), shown as typed.

A note such as "门禁 ![x](http://example.org/p.png) 补贴 $300，另 $200" would otherwise load an
outside image, turn into a link or a formula, or lose its * and _ to emphasis.
"""

from __future__ import annotations

import re

# What starts markup inside a line: emphasis, code, links and images ([ ] — without them ! and ( )
# do nothing), raw HTML, Streamlit's formulas ($), colours and icons (:red[…], :material/…:), tables.
_INLINE = re.compile(r"([\\`*_\[\]<>$~:|])")
# What starts markup at the start of a line: headings, quotes, bullets, setext underlines ...
_LINE_MARK = re.compile(r"(?m)^([ \t]*)([#>+\-=])")
# ... and numbered lists ("1. ", "2) ").
_LINE_NUMBER = re.compile(r"(?m)^([ \t]*[0-9]+)([.)])")


def plain(value: object) -> str:
    """`value` as text that markdown shows character for character."""
    text = _INLINE.sub(r"\\\1", str(value))
    text = _LINE_MARK.sub(r"\1\\\2", text)
    return _LINE_NUMBER.sub(r"\1\\\2", text)
