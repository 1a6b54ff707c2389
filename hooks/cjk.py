"""MkDocs hook: Chinese soft line breaks.

A newline between two CJK characters would render as a space (a Chinese paragraph has none):
on Chinese pages such newlines are removed outside fenced code (found by ``_markdown``, the
parser the tests use too).
"""

from __future__ import annotations

import re

from _language import page_language
from _markdown import split
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
# A line break (plus the next line's indentation) between two CJK characters.
CJK_BREAK = re.compile(f"(?<=[{CJK}])\n[ \t]*(?=[{CJK}])")
CJK_LOCALES = ("zh", "ja")


def join_cjk_lines(markdown: str) -> str:
    r"""Remove soft line breaks between CJK characters, leaving fenced code untouched.

    Examples:
        >>> join_cjk_lines("第一行\n第二行\n\n新段落")
        '第一行第二行\n\n新段落'
        >>> join_cjk_lines("    缩进的\n    续行")
        '    缩进的续行'
    """
    return "".join(piece if fence else CJK_BREAK.sub("", piece) for piece, fence in split(markdown))


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page_language(page, config).startswith(CJK_LOCALES):
        return join_cjk_lines(markdown)
    return markdown
