"""People's text shown through markdown reads exactly as typed: no image, link, emphasis or list."""

import html
import re

import pytest
from markdown_it import MarkdownIt

from ui.markdown import plain

RENDER = MarkdownIt("commonmark").render
TYPED = [
    "门禁 ![x](http://attacker.example/p.png) 补贴",
    "见 [通知](http://example.org) 与 <b>加粗</b> <img src=x>",
    "*星号* **粗** _下划线_ `代码` ~~删除~~ a\\b",
    "# 不是标题\n- 不是列表\n1. 不是编号\n2) 也不是\n> 不是引用\n+ 加号\n===",
    "  3. 缩进的编号",
    "li.xiuying 3号楼1201 15:30 (备注) 100% 5-3",
]


@pytest.mark.parametrize("typed", TYPED)
def test_markdown_shows_the_text_as_typed(typed):
    rendered = RENDER(plain(typed))
    assert re.fullmatch(r"<p>(.*)</p>\n", rendered, re.S), rendered  # one paragraph, no other element
    assert html.unescape(rendered[3:-5]) == typed.strip()


def test_streamlit_formulas_colours_and_icons_are_escaped():
    # Streamlit's own markdown extensions honour a backslash before $ and :.
    assert plain("补贴 $300，另 $200") == "补贴 \\$300，另 \\$200"
    assert plain(":red[紧急] :material/home:") == "\\:red\\[紧急\\] \\:material/home\\:"


def test_plain_text_without_markup_characters_is_left_alone():
    assert plain("张伟 · 和平里小区7号楼1单元502 · 第一网格") == "张伟 · 和平里小区7号楼1单元502 · 第一网格"
