"""The check behind every page block and docstring (tests/sybil_blocks.py, used by conftest.py):
each runs alone, and a wrong output, a block that needs an earlier one, or a ```pycon block that
is not a session fails. Also: every fenced Python block of the English pages is collected."""

from __future__ import annotations

from pathlib import Path

import pytest
from dlhooks import load_hook
from dlpages import DEFAULT, DOCS
from sybil import Document
from sybil.document import PythonDocStringDocument
from sybil.example import SybilFailure
from sybil_blocks import PAGE_PARSERS, docstring_parser

fenced_blocks = load_hook("_markdown").fenced_blocks


def run_all(document: Document) -> None:
    for example in document.examples():
        example.evaluate()


def page(tmp_path: Path, text: str) -> Document:
    path = tmp_path / "page.en.md"
    path.write_text(text, encoding="utf-8")
    return Document.parse(str(path), *PAGE_PARSERS)


def test_each_block_is_one_example_and_runs(tmp_path: Path) -> None:
    document = page(
        tmp_path,
        "```python\nx = 1\nassert x == 1\n```\n\n```pycon\n>>> 1 + 1\n2\n>>> print('a')\na\n```\n",
    )
    assert len(list(document.examples())) == 2
    run_all(document)


def test_a_block_that_needs_an_earlier_one_fails(tmp_path: Path) -> None:
    document = page(tmp_path, "```python\nx = 1\n```\n\n```python\nassert x == 1\n```\n")
    with pytest.raises(NameError):
        run_all(document)
    session = page(tmp_path, "```python\nx = 1\n```\n\n```pycon\n>>> x\n1\n```\n")
    with pytest.raises(SybilFailure, match=r"NameError"):
        run_all(session)


def test_a_wrong_output_fails_and_names_its_line(tmp_path: Path) -> None:
    document = page(tmp_path, "Text.\n\n```pycon\n>>> 1 + 1\n3\n```\n")
    with pytest.raises(SybilFailure, match=r"page\.en\.md\", line 4"):
        run_all(document)


def test_a_pycon_block_must_be_a_session(tmp_path: Path) -> None:
    document = page(tmp_path, "```pycon\nx = 1\n```\n")
    with pytest.raises(ValueError, match=r"pycon"):
        run_all(document)


def test_docstrings_run_alone_in_their_module_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(tmp_path)  # Sybil imports the module by name
    module = tmp_path / "sample_module_for_sybil.py"
    module.write_text(
        'K = 3\n\n\ndef f():\n    """\n    >>> y = K + 1\n    >>> y\n    4\n    """\n\n\n'
        'def g():\n    """\n    >>> y\n    4\n    """\n',
        encoding="utf-8",
    )
    document = PythonDocStringDocument.parse(str(module), docstring_parser)
    first, second = document.examples()
    first.evaluate()  # sees the module's K
    with pytest.raises(SybilFailure, match=r"NameError: name 'y'"):
        second.evaluate()  # not f's y


def test_every_fenced_python_block_of_the_english_pages_is_collected() -> None:
    """The count in the terminal summary is the count of the pages' Python blocks."""
    for path in sorted(DOCS.rglob(f"*.{DEFAULT}.md")):
        text = path.read_text(encoding="utf-8")
        fences = [b for b in fenced_blocks(text) if b.language in {"python", "pycon"}]
        examples = list(Document.parse(str(path), *PAGE_PARSERS).examples())
        assert len(examples) == len(fences), path
