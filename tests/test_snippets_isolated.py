"""Every code block of every page runs on its own, in a fresh namespace.

Sybil (conftest.py) runs a page's blocks in order, sharing one namespace. A reader copies a
single block, so a block that only works after an earlier one is a bug on the page. Here each
fenced block is parsed with the same parsers and evaluated alone; a ``>>>`` block (```python or
```pycon) yields several Sybil examples (one per statement), which run together, in order, as
the reader would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES
from sybil import Document
from sybil.example import Example
from sybil.parsers.markdown import PythonCodeBlockParser
from sybil_pycon import PyconCodeBlockParser

fenced_blocks = load_hook("_markdown").fenced_blocks


def blocks_of(path: Path) -> tuple[Document, list[list[Example]]]:
    """The page's Sybil examples, grouped by the fenced block they come from."""
    document = Document.parse(str(path), PythonCodeBlockParser(), PyconCodeBlockParser())
    spans = [
        (b.start, b.end) for b in fenced_blocks(document.text) if b.language in {"python", "pycon"}
    ]
    groups: list[list[Example]] = [[] for _ in spans]
    for example in document.examples():
        owner = [i for i, (a, b) in enumerate(spans) if a <= example.start < b]
        assert len(owner) == 1, f"{path}: example at {example.line} is in no fenced block"
        groups[owner[0]].append(example)
    return document, [g for g in groups if g]


def code_blocks() -> list[tuple[Path, int]]:
    return [
        (path, i) for path in sorted(DOCS.rglob("*.md")) for i in range(len(blocks_of(path)[1]))
    ]


def _id(block: tuple[Path, int]) -> str:
    path, index = block
    return f"{path.relative_to(DOCS).as_posix()}#block{index + 1}"


@pytest.mark.parametrize("block", code_blocks(), ids=_id)
def test_block_runs_alone(block: tuple[Path, int]) -> None:
    path, index = block
    document, groups = blocks_of(path)
    document.namespace.clear()
    document.namespace["__name__"] = "__isolated_block__"
    for example in groups[index]:
        example.evaluate()


def test_blocks_found() -> None:
    # Guards the parametrization above against silently collecting nothing.
    languages = {path.name.rsplit(".", 2)[1] for path, _ in code_blocks()}
    assert languages == set(LANGUAGES)


def test_a_dependent_block_fails_alone(tmp_path: Path) -> None:
    """The check itself: a block that needs an earlier one must fail here."""
    page = tmp_path / "page.en.md"
    page.write_text("```python\nx = 1\n```\n\n```python\nassert x == 1\n```\n", encoding="utf-8")
    document, groups = blocks_of(page)
    assert len(groups) == 2
    document.namespace.clear()
    with pytest.raises(NameError):
        for example in groups[1]:
            example.evaluate()
