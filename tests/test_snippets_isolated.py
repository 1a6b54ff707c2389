"""Every code block of every page runs on its own, in a fresh namespace.

Sybil (conftest.py) runs a page's blocks in order, sharing one namespace. A reader copies a
single block, so a block that only works after an earlier one is a bug on the page. Here each
block is parsed with the same parsers and evaluated alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sybil import Document
from sybil.parsers.markdown import PythonCodeBlockParser

DOCS = Path(__file__).resolve().parent.parent / "docs"


def code_blocks() -> list[tuple[Path, int]]:
    blocks = []
    for path in sorted(DOCS.rglob("*.md")):
        document = Document.parse(str(path), PythonCodeBlockParser())
        blocks += [(path, i) for i, _ in enumerate(document.examples())]
    return blocks


def _id(block: tuple[Path, int]) -> str:
    path, index = block
    return f"{path.relative_to(DOCS).as_posix()}#block{index + 1}"


@pytest.mark.parametrize("block", code_blocks(), ids=_id)
def test_block_runs_alone(block: tuple[Path, int]) -> None:
    path, index = block
    document = Document.parse(str(path), PythonCodeBlockParser())
    example = list(document.examples())[index]
    document.namespace.clear()
    document.namespace["__name__"] = "__isolated_block__"
    example.evaluate()


def test_blocks_found() -> None:
    # Guards the parametrization above against silently collecting nothing.
    languages = {path.name.rsplit(".", 2)[1] for path, _ in code_blocks()}
    assert languages == {"en", "zh"}
