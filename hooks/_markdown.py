"""The one Markdown fenced-block parser of the site (not a hook: mkdocs.yml does not list it).

Used by the hooks (Chinese line joins, follow-up collection) and by the tests (parity, isolated
snippets, formula counts), so they all agree on what is code. It finds fences the way Sybil's
Markdown lexer does (Sybil decides which blocks run under pytest): fences of backticks or
tildes, indented inside admonitions and content tabs, in block quotes and list items; a fence
closes the outermost open block it can close (same character, at least as long, same prefix
width, nothing after it); a block left open runs to the end of the text. The site build does not
import Sybil, a test library: tests/test_hooks.py checks that this parser and Sybil's
``RawFencedCodeBlockLexer`` find the same blocks on every page.

>>> blocks = fenced_blocks("Text\\n\\n!!! note\\n\\n    ```python\\n    x = 1\\n    ```\\n")
>>> [(b.language, b.source, b.text) for b in blocks]
[('python', 'x = 1\\n', '```python\\nx = 1\\n```')]
>>> prose("a\\n```\\ncode\\n```\\nb\\n")
'a\\n\\nb\\n'
"""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

# An opening or closing fence: its prefix (block quote markers, a list item's marker, or
# indentation), the fence itself and what follows it on the line.
FENCE = re.compile(
    r"^(?P<prefix>"
    r"(?:[ \t]*>)+[ \t]*"
    r"|[ \t]*(?:[-*+]|\d+[.)])[ \t]+"
    r"|[ \t]*"
    r")(?P<fence>`{3,}|~{3,})(?P<trailing>[^\n]*)",
    re.MULTILINE,
)
INFO_LINE = re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE)


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


def _closes(fence: re.Match[str], opening: re.Match[str]) -> bool:
    """``fence`` closes the block ``opening`` opened."""
    return (
        fence["fence"][0] == opening["fence"][0]
        and len(fence["fence"]) >= len(opening["fence"])
        and len(fence["prefix"]) == len(opening["prefix"])
        and not fence["trailing"].strip()
    )


def _strip_prefix(body: str, prefix: str) -> str:
    """The body without the opening fence's prefix width on each line, then dedented."""
    lines = body.splitlines(keepends=True)
    return textwrap.dedent("".join(line[len(prefix) :] or line[-1] for line in lines))


def _fence(text: str, opening: re.Match[str], closing: re.Match[str] | None) -> Fence | None:
    content_start = opening.start("trailing")
    content_end = closing.start() if closing else len(text)
    end = closing.end() if closing else len(text)
    content = text[content_start:content_end]
    info = INFO_LINE.match(content)
    if info is None:  # an opening fence on the last line: no block
        return None
    block = text[opening.start() : end]
    indent = re.match(r"[ \t]*", block).group(0)  # type: ignore[union-attr]
    lines = [line.removeprefix(indent) for line in block.split("\n")]
    source = _strip_prefix(content[info.end() :], opening["prefix"])
    return Fence(opening.start(), end, info["info"].strip(), source, "\n".join(lines))


def fenced_blocks(text: str) -> list[Fence]:
    """Every fenced code block of a Markdown text, in order."""
    found: list[Fence | None] = []
    open_blocks: list[re.Match[str]] = []
    for match in FENCE.finditer(text):
        for i, opening in enumerate(open_blocks):
            if _closes(match, opening):
                found.append(_fence(text, opening, match))
                del open_blocks[i:]
                break
        else:
            open_blocks.append(match)
    if open_blocks:
        found.append(_fence(text, open_blocks[0], None))
    return sorted((f for f in found if f is not None), key=lambda fence: fence.start)


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

    A ``>>>`` session keeps its outputs; comments are removed from its statements only. A
    script's ``# >`` lines are its printed output (tests/sybil_blocks.py checks them), not
    comments: they stay. Lines that held only a comment disappear, trailing spaces left by a
    comment go. Source that does not tokenize is returned as it is.

    >>> strip_python_comments("x = '#1'  # one\\n# note\\ny = 2\\n")
    "x = '#1'\\ny = 2\\n"
    >>> strip_python_comments(">>> f('#')  # call\\n'#'\\n")
    ">>> f('#')\\n'#'\\n"
    >>> strip_python_comments("print(2)  # two\\n# > 2\\n")
    'print(2)\\n# > 2\\n'
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
        if token.type == tokenize.COMMENT and not token.string.startswith("# >"):
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
