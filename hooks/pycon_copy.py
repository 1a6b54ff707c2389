"""MkDocs hook: the copy button of a Python console session copies code that pastes into Python.

Pages write sessions as ```` ```pycon ```` fences (Sybil runs them as doctests, see
conftest.py); mkdocstrings renders docstring examples with the same lexer. Pygments marks the
prompts (``>>>``, ``...``) and the output lines, but Material's copy button copies the block's
text as shown. Material lets a page say what to copy instead: the button copies the
``data-copy`` attribute of the nearest ancestor of the code that has one (its ``extract()``,
``content.code.copy``). This is one of the exceptions of CONTRIBUTING.md ("Other packages'
API"): ``data-copy`` was added and documented in Material 9.4.4, then taken out of the docs (not
the code) because Python-Markdown escapes attribute values written in Markdown
(squidfunk/mkdocs-material#6086); set here on the HTML, it needs no Markdown escaping.
tests/test_hooks.py fails if Material's bundle stops reading it. This hook sets ``data-copy`` on
each session block to its statements
without prompts and outputs, with a blank line after a statement that spans several lines (the
plain Python prompt needs it to end a compound statement before the next one starts). Prompts
and outputs are also excluded from a manual selection (extra.css).
Checked by tests/browser/test_reader.py (the copied text runs in Python) and tests/test_hooks.
"""

from __future__ import annotations

import html
import re

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

BLOCK = re.compile(
    r'<div class="(?P<cls>[^"]*\bhighlight\b[^"]*)"(?P<attrs>[^>]*)>'
    r"(?P<body>(?:(?!</div>).)*?<code[^>]*>(?P<code>.*?)</code>)",
    re.DOTALL,
)
TAG = re.compile(r"<[^>]+>")


def session_code(text: str) -> str | None:
    r"""The statements of a console session, without prompts and outputs (None if no prompt).

    Examples:
        >>> session_code(">>> x = 1\n>>> x + 1\n2")
        'x = 1\nx + 1'
        >>> print(session_code(">>> for i in range(2):\n...     print(i)\n0\n1\n>>> i"))
        for i in range(2):
            print(i)
        <BLANKLINE>
        i
    """
    statements: list[list[str]] = []
    open_statement = False
    for line in text.splitlines():
        if line.startswith(">>> ") or line == ">>>":
            statements.append([line[4:]])
            open_statement = True
        elif open_statement and (line.startswith("... ") or line == "..."):
            statements[-1].append(line[4:])
        else:  # an output line ends the statement
            open_statement = False
    if not statements:
        return None
    parts = ["\n".join(lines) + ("\n" if len(lines) > 1 else "") for lines in statements]
    return "\n".join(parts).rstrip("\n")


def add_copy_text(output: str) -> str:
    """Give every highlighted block that holds a console session a ``data-copy`` attribute."""

    def rewrite(match: re.Match[str]) -> str:
        if 'class="gp"' not in match["code"] or "data-copy=" in match["attrs"]:
            return match.group(0)
        code = session_code(html.unescape(TAG.sub("", match["code"])))
        if code is None:
            return match.group(0)
        copy = html.escape(code, quote=True).replace("\n", "&#10;")
        return f'<div class="{match["cls"]}"{match["attrs"]} data-copy="{copy}">{match["body"]}'

    return BLOCK.sub(rewrite, output)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return add_copy_text(output)
