"""Sybil parsers: each fenced Python block of a page, and each docstring of the package, is one
example that runs alone, in a fresh namespace.

A reader copies one block, not a page, so a block that only works after an earlier one is a bug
on the page: here it fails. A ```python block runs as a script; a block that starts with ``>>>``
(```python or ```pycon) runs as a console session through :mod:`doctest`, its outputs checked.
A ```pycon fence that is not a session (no leading ``>>>``) is an error, not skipped. Only
fenced blocks are lexed (no code in HTML comments): the blocks ``tests/test_parity.py`` compares.

A docstring's ``>>>`` examples run together, in order, in a copy of their module's namespace:
what :mod:`doctest` does, and what the API page shows under each object.
"""

from __future__ import annotations

import doctest
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


def run_block(example: Example) -> str | None:
    """A fenced block of a page, alone: a session as doctest, a script with ``exec``."""
    source = example.parsed
    line = example.line + source.line_offset  # the line before the block's first line
    namespace = {"__name__": "__main__"}
    if source.startswith(">>>"):
        return run_session(str(source), namespace, example.path, line)
    exec(compile("\n" * line + source, example.path, "exec", dont_inherit=True), namespace)
    return None


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
