"""Sybil parser for ```pycon fences: Python console sessions, run as doctests.

Sybil's ``PythonCodeBlockParser`` runs ```python fences (as doctests when they start with
``>>>``). Pages write sessions as ```pycon so that they are highlighted as sessions and their
copy button copies the code only (hooks/pycon_copy.py); this parser runs them the same way.
A ```pycon fence that is not a session (no leading ``>>>``) is an error, not skipped.
Used by conftest.py (page order) and tests/test_snippets_isolated.py (each block alone).
"""

from __future__ import annotations

from sybil import Example
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser


def _not_a_session(example: Example) -> None:
    raise ValueError(
        f"{example.path}:{example.line}: a ```pycon block must be a console session "
        "starting with '>>>' (use ```python for a script)"
    )


class PyconCodeBlockParser(PythonCodeBlockParser):
    """``>>>`` sessions in ```pycon fences, as doctests (one example per statement)."""

    def __init__(self, doctest_optionflags: int = 0) -> None:
        super().__init__(doctest_optionflags=doctest_optionflags)
        self.codeblock_parser = CodeBlockParser("pycon", _not_a_session)
