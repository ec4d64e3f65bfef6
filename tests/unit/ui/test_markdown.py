"""People's text shown through markdown reads exactly as typed: no image, link, emphasis or list."""

import html
import re

import pytest
from markdown_it import MarkdownIt

from ui.markdown import plain

# CommonMark with GitHub's strikethrough and tables, which Streamlit's markdown also reads.
RENDER = MarkdownIt("commonmark").enable(["strikethrough", "table"]).render
TYPED = [
    "门禁 ![x](http://attacker.example/p.png) 补贴",
    "见 [通知](http://example.org) 与 <b>加粗</b> <img src=x>",
    "*星号* **粗** _下划线_ `代码` ~~删除~~ a\\b",
    "# 不是标题\n- 不是列表\n1. 不是编号\n2) 也不是\n> 不是引用\n+ 加号\n===",
    "  3. 缩进的编号",
    "li.xiuying 3号楼1201 15:30 (备注) 100% 5-3",
    "A&amp;B &#8238;abc &lt;b&gt;",
    "情况说明\n\n    已核实 *重点*",
    "| 列 | 列 |\n|---|---|\n| 甲 | 乙 |",
]


@pytest.mark.parametrize("typed", TYPED)
def test_markdown_shows_the_text_as_typed(typed):
    rendered = RENDER(plain(typed))
    paragraphs = re.findall(r"<p>(.*?)</p>", rendered, re.S)
    assert re.sub(r"<p>.*?</p>|\n", "", rendered, flags=re.S) == "", rendered  # paragraphs only: no other element
    as_typed = re.sub(r"(?m)^[ \t]+", "", typed.strip())
    shown = "\n\n".join(html.unescape(re.sub(r"</?code>", "", p)) for p in paragraphs)  # addresses: code spans
    assert shown == as_typed


def test_streamlit_formulas_colours_and_icons_are_escaped():
    # Streamlit's own markdown extensions honour a backslash before $ and :.
    assert plain("补贴 $300，另 $200") == "补贴 \\$300，另 \\$200"
    assert plain(":red[紧急] :material/home:") == "\\:red\\[紧急\\] \\:material/home\\:"


def test_plain_text_without_markup_characters_is_left_alone():
    assert plain("张伟 · 和平里小区7号楼1单元502 · 第一网格") == "张伟 · 和平里小区7号楼1单元502 · 第一网格"


@pytest.mark.parametrize(("typed", "address"), [
    ("领补贴请登录 www.example.org/login，联系", "www.example.org/login"),
    ("见WWW.EXAMPLE.ORG", "WWW.EXAMPLE.ORG"),
    ("https://example.org/a_b*c", "https://example.org/a_b*c"),
    ("联系 some_one@example.org", "some_one@example.org"),
    ("ftp://x.org 或 mailto:a@b.org", "ftp://x.org"),
])
def test_bare_addresses_are_code_spans_so_that_they_do_not_become_links(typed, address):
    # GFM turns www.…, http://… and a@b.org into links after parsing, past any escape; a code span
    # keeps them text that copies as typed (the browser journey of a case's facts shows no link).
    assert f"<code>{html.escape(address, quote=False)}</code>" in RENDER(plain(typed))


def test_an_address_holding_backticks_is_fenced_by_more():
    assert RENDER(plain("见 www.a`b.org")) == "<p>见 <code>www.a`b.org</code></p>\n"
