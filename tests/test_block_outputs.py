"""A page's script block shows what it prints in ``# >`` lines, and the run checks them
(tests/sybil_blocks.py); parity keeps them (they are output, not comments)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dlhooks import load_hook
from sybil import Document
from sybil_blocks import PAGE_PARSERS, output_problem, shown_output

_markdown = load_hook("_markdown")


def run_page(tmp_path: Path, block: str) -> list[str | None]:
    """Each block's failure report (None when it passed), as the page run evaluates them."""
    page = tmp_path / "page.en.md"
    page.write_text(f"Some prose.\n\n```python\n{block}```\n", encoding="utf-8")
    return [
        example.region.evaluator(example)
        for example in Document.parse(str(page), *PAGE_PARSERS).examples()
    ]


def test_shown_lines_are_read_in_order_at_any_indentation() -> None:
    source = "for i in range(2):\n    print(i)\n    # > 0\n# > 1\nprint()\n# >\n# a comment\n"
    assert shown_output(source) == ["0", "1", ""]


@pytest.mark.parametrize(
    ("shown", "printed", "ok"),
    [
        (["a 1"], "a 1\n", True),
        (["a 1"], "a 2\n", False),  # a wrong digit
        ([], "printed, not shown\n", False),
        (["shown, not printed"], "", False),
        (["x", "y"], "y\nx\n", False),  # the order counts
        (["took … s"], "took 0.31 s\n", True),  # … is a machine-dependent part of one line
        (["took … s"], "took 0.31 s\nand more\n", False),
        (["took … s"], "it took 0.31 s\n", False),  # … matches inside the line only
    ],
)
def test_output_problem(shown: list[str], printed: str, ok: bool) -> None:
    assert (output_problem(shown, printed) is None) is ok


def test_a_block_that_prints_without_showing_it_fails(tmp_path: Path) -> None:
    (report,) = run_page(tmp_path, "print(6 * 7)\n")
    assert report is not None and "# > 42" in report
    assert run_page(tmp_path, "print(6 * 7)\n# > 42\n") == [None]
    (report,) = run_page(tmp_path, "print(6 * 7)\n# > 43\n")
    assert report is not None and "# > 43" in report and "# > 42" in report


def test_parity_keeps_shown_output_and_drops_comments() -> None:
    source = "print(2)  # two\n# > 2\n# a note\n"
    assert _markdown.strip_python_comments(source) == "print(2)\n# > 2\n"
