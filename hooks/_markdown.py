"""The one Markdown fenced-block parser of the site (not a hook: mkdocs.yml does not list it).

Used by the hooks (Chinese line joins, follow-up collection) and by the tests (parity, isolated
snippets, formula counts), so they all agree on what is code. It is Sybil's own lexer, the one
that decides which blocks run under pytest: fences of backticks or tildes, indented inside
admonitions and content tabs, in block quotes and list items.

>>> blocks = fenced_blocks("Text\\n\\n!!! note\\n\\n    ```python\\n    x = 1\\n    ```\\n")
>>> [(b.language, b.source, b.text) for b in blocks]
[('python', 'x = 1\\n', '```python\\nx = 1\\n```')]
>>> prose("a\\n```\\ncode\\n```\\nb\\n")
'a\\n\\nb\\n'
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from sybil import Document
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

_LEXER = RawFencedCodeBlockLexer(
    info_pattern=re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE),
    mapping={"info": "info", "source": "source"},
)


@dataclass(frozen=True)
class Fence:
    """One fenced block; ``text[start:end]`` runs from its opening line to its closing fence."""

    start: int
    end: int
    info: str  # what follows the opening fence: 'python', 'py title="x.py"', ''
    source: str  # the body, indentation of the opening fence removed
    text: str  # the whole block as written, indentation removed (fences included)

    @property
    def language(self) -> str:
        return self.info.strip().split(" ", 1)[0].lstrip(".{").rstrip("}").lower()


def fenced_blocks(text: str) -> list[Fence]:
    """Every fenced code block of a Markdown text, in order."""
    document = Document(text, "<markdown>")
    found = []
    for region in _LEXER(document):
        block = text[region.start : region.end]
        indent = re.match(r"[ \t]*", block).group(0)
        lines = [line.removeprefix(indent) for line in block.split("\n")]
        found.append(
            Fence(
                region.start,
                region.end,
                region.lexemes["info"].strip(),
                str(region.lexemes["source"]),
                "\n".join(lines),
            )
        )
    return sorted(found, key=lambda fence: fence.start)


def split(text: str) -> list[tuple[str, Fence | None]]:
    """The text as alternating pieces: ``(prose, None)`` and ``(block text, Fence)``."""
    pieces: list[tuple[str, Fence | None]] = []
    last = 0
    for fence in fenced_blocks(text):
        pieces.append((text[last : fence.start], None))
        pieces.append((text[fence.start : fence.end], fence))
        last = fence.end
    pieces.append((text[last:], None))
    return pieces


def prose(text: str) -> str:
    """The text with every fenced block removed (the lines around it are kept)."""
    return "".join(piece for piece, fence in split(text) if fence is None)


def strip_python_comments(source: str) -> str:
    """Python source without its ``#`` comments (a ``#`` inside a string stays).

    A ``>>>`` session keeps its outputs; comments are removed from its statements only. Lines
    that held only a comment disappear, trailing spaces left by a comment go. Source that does
    not tokenize is returned as it is.

    >>> strip_python_comments("x = '#1'  # one\\n# note\\ny = 2\\n")
    "x = '#1'\\ny = 2\\n"
    >>> strip_python_comments(">>> f('#')  # call\\n'#'\\n")
    ">>> f('#')\\n'#'\\n"
    """
    lines = source.split("\n")
    session = any(line.lstrip().startswith(">>>") for line in lines)
    # In a session, only the statements (after ">>> " or "... ") are Python.
    code_rows: list[int] = []
    code: list[str] = []
    for row, line in enumerate(lines):
        stripped = line.lstrip()
        if not session:
            code_rows.append(row)
            code.append(line)
        elif stripped.startswith((">>>", "...")):
            code_rows.append(row)
            code.append(stripped[4:])
    comments: dict[int, int] = {}  # row in ``lines`` -> column where its comment starts
    readline = io.StringIO("\n".join(code) + "\n").readline
    try:
        tokens = list(tokenize.generate_tokens(readline))
    except (tokenize.TokenError, SyntaxError):
        return source  # not valid Python: compared as written
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row = code_rows[token.start[0] - 1]
            offset = len(lines[row]) - len(code[token.start[0] - 1])
            comments[row] = token.start[1] + offset
    out = []
    for row, line in enumerate(lines):
        if row not in comments:
            out.append(line)
            continue
        kept = line[: comments[row]].rstrip()
        if kept.strip() and kept.strip() not in {">>>", "..."}:
            out.append(kept)
    return "\n".join(out)
