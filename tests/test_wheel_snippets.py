"""A block copied from a page runs in the reader's own environment, not only in this repository.

Once per session: the wheel is built, a fresh virtual environment is made in a temporary folder
outside the repository, torch goes in the project's way (``scripts/install-torch.sh``: the CPU
build) (the ``reader_venv`` fixture, tests/dlwheel.py, shared with tests/test_notebooks_fresh.py),
then the wheel with its ``experiments`` extra. That is what each question page tells the
reader to install (``pip install "dlnotes-interview[experiments] @ git+…"``), with the wheel
standing in for the repository. Every fenced Python block of the English pages then runs there,
alone, in a fresh namespace, from a temporary working directory: a script with ``exec``, a
``>>>`` session through :mod:`doctest` with its outputs checked (a script's printed lines
against its ``# >`` lines), as ``tests/sybil_blocks.py``
runs them here. (The Chinese blocks hold the same code and outputs: tests/test_parity.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dlpages import DEFAULT, DOCS
from dlwheel import ReaderVenv, run
from sybil import Document
from sybil_blocks import PAGE_PARSERS, output_problem, shown_output

ROOT = Path(__file__).resolve().parent.parent

RUNNER = """
import contextlib, doctest, io, json, sys, traceback
import dlnotes
blocks = json.load(open(sys.argv[1], encoding="utf-8"))
results = {"dlnotes": dlnotes.__file__}
for block in blocks:
    namespace = {"__name__": "__main__"}
    try:
        if block["source"].startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(
                block["source"], namespace, block["id"], block["path"], block["line"]
            )
            report = []
            runner = doctest.DocTestRunner(optionflags=0)
            runner.run(test, out=report.append, clear_globs=False)
            results[block["id"]] = "".join(report) if runner.failures else None
        else:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(block["source"], block["id"], "exec", dont_inherit=True), namespace)
            results[block["id"]] = None
            results["printed " + block["id"]] = printed.getvalue()
    except BaseException:
        results[block["id"]] = traceback.format_exc()
json.dump(results, open(sys.argv[2], "w", encoding="utf-8"))
"""


def page_blocks() -> list[dict[str, object]]:
    """Every fenced python/pycon block of the English pages: id, page, line, source."""
    blocks = []
    for path in sorted(DOCS.rglob(f"*.{DEFAULT}.md")):
        document = Document.parse(str(path), *PAGE_PARSERS)
        for example in document.examples():
            name = path.relative_to(DOCS).as_posix()
            blocks.append(
                {
                    "id": f"{name}:{example.line}",
                    "path": name,
                    "line": example.line + example.parsed.line_offset,
                    "source": str(example.parsed),
                }
            )
    return blocks


BLOCKS = page_blocks()


@pytest.fixture(scope="session")
def outside(reader_venv: ReaderVenv) -> dict[str, str | None]:
    """Every block's failure report (None when it passed), run from the installed wheel."""
    work, python, env = reader_venv.work, str(reader_venv.python), reader_venv.env
    reader_venv.pip_install(f"{reader_venv.wheel}[experiments]")
    (work / "blocks.json").write_text(json.dumps(BLOCKS), encoding="utf-8")
    (work / "runner.py").write_text(RUNNER, encoding="utf-8")
    readers = work / "elsewhere"  # the reader's own folder: no repository in sight
    readers.mkdir()
    run(
        [python, str(work / "runner.py"), str(work / "blocks.json"), str(work / "results.json")],
        cwd=readers,
        env={**env, "MPLBACKEND": "Agg"},
    )
    results: dict[str, str | None] = json.loads((work / "results.json").read_text("utf-8"))
    return results


def test_the_package_comes_from_the_installed_wheel(outside: dict[str, str | None]) -> None:
    installed = Path(str(outside["dlnotes"]))
    assert "site-packages" in installed.parts
    assert ROOT not in installed.parents


def test_blocks_are_found() -> None:
    assert len(BLOCKS) >= 50
    assert any(str(block["source"]).startswith(">>>") for block in BLOCKS)
    assert any(not str(block["source"]).startswith(">>>") for block in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: str(block["id"]))
def test_block_runs_from_the_wheel(
    block: dict[str, object], outside: dict[str, str | None]
) -> None:
    assert outside[str(block["id"])] is None, outside[str(block["id"])]
    printed = outside.get(f"printed {block['id']}")
    if printed is not None:  # a script: what it printed is what its # > lines show
        problem = output_problem(shown_output(str(block["source"])), printed)
        assert problem is None, problem
