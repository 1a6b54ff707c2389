"""Sybil parsers: each fenced Python block of a page, and each docstring of the package, is one
example that runs alone, in a fresh namespace.

A reader copies one block, not a page, so a block that only works after an earlier one is a bug
on the page: here it fails. A ```python block runs as a script; a block that starts with ``>>>``
(```python or ```pycon) runs as a console session through :mod:`doctest`, its outputs checked.
A script shows what it prints in ``# >`` lines, each right under the line that prints it
(pydantic's docs' ``#>``, with the space that ruff's formatter puts after every ``#``); the
printed lines must equal the ``# >`` lines, in order, so what a reader sees is what ran, and a
block that prints without showing it fails. An ``…`` in a ``# >`` line
stands for a machine-dependent part (a timing) and matches any text within that line.
A ```pycon fence that is not a session (no leading ``>>>``) is an error, not skipped. Only
fenced blocks are lexed (no code in HTML comments): the blocks ``tests/test_parity.py`` compares.

A docstring's ``>>>`` examples run together, in order, in a copy of their module's namespace:
what :mod:`doctest` does, and what the API page shows under each object.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re

from sybil import Document, Example, Region
from sybil.parsers.abstract import AbstractCodeBlockParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

FENCE = FencedCodeBlockLexer(language=r".+", mapping={"language": "arguments", "source": "source"})


def run_session(source: str, namespace: dict, path: str, line: int) -> str | None:
    """Run ``>>>`` examples as doctest does (no option flags); the failure report, if any.

    ``line``: the number of lines of ``path`` before ``source`` (the report names file lines).
    """
    test = doctest.DocTestParser().get_doctest(source, namespace, f"{path}:{line + 1}", path, line)
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=0)
    runner.run(test, out=report.append, clear_globs=False)
    return "".join(report) if runner.failures else None


# A script's shown output: "# > text" (or a bare "# >" for an empty line), at any indentation.
SHOWN = re.compile(r"^[ \t]*# >(?: (.*))?$", re.MULTILINE)


def shown_output(source: str) -> list[str]:
    """The lines a script block shows as its output, in order.

    >>> shown_output("print(1)\\n# > 1\\nprint()\\n# >\\n# a comment\\n")
    ['1', '']
    """
    return [match.group(1) or "" for match in SHOWN.finditer(source)]


def output_problem(shown: list[str], printed: str) -> str | None:
    """Why ``printed`` is not what the ``# >`` lines show (None when it is). ``…`` in a shown
    line matches any text within that line.

    >>> output_problem(["a 1", "took … s"], "a 1\\ntook 0.3 s\\n") is None
    True
    >>> output_problem([], "printed but not shown\\n") is None
    False
    >>> print(output_problem(["a 1"], "a 2\\n"))
    the block printed what its # > lines don't show:
    shown:   # > a 1
    printed: # > a 2
    """
    lines = printed.splitlines()
    patterns = [".*".join(map(re.escape, line.split("…"))) for line in shown]
    if len(lines) == len(shown) and all(
        re.fullmatch(pattern, line) for pattern, line in zip(patterns, lines, strict=True)
    ):
        return None
    return "\n".join(
        [
            "the block printed what its # > lines don't show:",
            "shown:   " + "\n         ".join(f"# > {line}".rstrip() for line in shown),
            "printed: " + "\n         ".join(f"# > {line}".rstrip() for line in lines),
        ]
    )


def run_block(example: Example) -> str | None:
    """A fenced block of a page, alone: a session as doctest, a script with ``exec`` whose
    printed output must be what its ``# >`` lines show."""
    source = example.parsed
    line = example.line + source.line_offset  # the line before the block's first line
    namespace = {"__name__": "__main__"}
    if source.startswith(">>>"):
        return run_session(str(source), namespace, example.path, line)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile("\n" * line + source, example.path, "exec", dont_inherit=True), namespace)
    problem = output_problem(shown_output(str(source)), printed.getvalue())
    return None if problem is None else f"{example.path}:{line + 1}: {problem}"


def run_pycon_block(example: Example) -> str | None:
    if not example.parsed.startswith(">>>"):
        raise ValueError(
            f"{example.path}:{example.line}: a ```pycon block must be a console session "
            "starting with '>>>' (use ```python for a script)"
        )
    return run_block(example)


PAGE_PARSERS = [
    AbstractCodeBlockParser([FENCE], "python", run_block),
    AbstractCodeBlockParser([FENCE], "pycon", run_pycon_block),
]

SESSION = re.compile(r"^\s*>>>", re.MULTILINE)


def run_docstring(example: Example) -> str | None:
    """A docstring's examples, in a copy of the module's namespace (Sybil imports the module
    into the document's namespace before the file's first example; doctest copies it)."""
    return run_session(example.parsed, example.namespace, example.path, example.line - 1)


def docstring_parser(docstring: Document) -> list[Region]:
    """One region per docstring that holds a ``>>>`` example (Sybil calls this per docstring)."""
    text = docstring.text
    return [Region(0, len(text), text, run_docstring)] if SESSION.search(text) else []
