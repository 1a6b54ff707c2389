"""Sybil: every fenced Python block of the pages and every docstring example of the package
runs once, alone, in a fresh namespace (tests/sybil_blocks.py).

- ``docs/**/*.en.md``: each ```python / ```pycon block is one test (```pycon sessions, and
  ```python blocks that start with ``>>>``, as doctests). The Chinese pages' blocks are not
  run: tests/test_parity.py asserts that each holds the same statements, outputs and doctest
  directives as its English twin (only comments differ), so it would run the same code and
  print the same.
- ``src/**/*.py``: each docstring with ``>>>`` examples is one test, run in a copy of its
  module's namespace (pytest's own doctest plugin is disabled in pyproject.toml so they are not
  collected twice).

At the end of the run, the terminal summary says how many blocks and docstrings ran.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest
from dlpages import DEFAULT
from sybil import Sybil
from sybil_blocks import PAGE_PARSERS, docstring_parser

pages = Sybil(parsers=PAGE_PARSERS, patterns=[f"*.{DEFAULT}.md"], path="docs")
docstrings = Sybil(parsers=[docstring_parser], patterns=["*.py"], path="src")

pytest_collect_file = (pages + docstrings).pytest()

_ran: Counter[str] = Counter()


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, build the site once in the controller and share it with the workers.

    The workers also share the session's experiment results, starting from those the build
    stored for the current code (tests/experiment_results.py). Without ``-n``, or in a
    worker, or when ``DLNOTES_SITE`` names a site to check, nothing is built here and the
    ``built_site`` fixture builds the site on first use. A failed build is not reported
    here: the workers then build it themselves and fail with its log.
    """
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", default=None):
        return
    import shutil
    import tempfile
    from pathlib import Path

    from dlbuild import strict_build_problems

    session = Path(tempfile.mkdtemp(prefix="dlnotes-tests-"))
    config.add_cleanup(lambda: shutil.rmtree(session, ignore_errors=True))
    os.environ["DLNOTES_TEST_RESULTS"] = str(session / "experiments")
    # Experiments the build stored for the current code are not run again by the tests: see
    # tests/experiment_results.py.
    os.environ["DLNOTES_BUILD_RESULTS"] = os.environ.get("DLNOTES_CACHE") or str(
        Path(__file__).parent / ".cache" / "compute"
    )
    if os.environ.get("DLNOTES_SITE"):
        return
    if strict_build_problems(session / "site") is None:
        os.environ["DLNOTES_BUILT_SITE"] = str(session / "site")


# A browser check's page, from its test id: ``test_x[390-en:notebooks/sgd]`` gives
# ``en:notebooks/sgd``.
PAGE_ID = re.compile(r"\[(?:\d+-)?([a-z]{2}:[\w/.-]+)\]$")


# Test files that share a costly session fixture: the reader's venv (tests/dlwheel.py), built
# once for the page blocks and the notebooks.
SHARED_GROUPS = {
    "tests/test_notebooks_fresh.py": "reader venv",
    "tests/test_wheel_snippets.py": "reader venv",
}


def xdist_group(nodeid: str) -> str | None:
    """The ``xdist_group`` of a test, or None for a test that may run anywhere.

    A browser check of a site page joins that page's group (``page api`` for
    ``tests/browser/test_reader.py::test_theme_strings_in_page_language[390-zh:api]``, every
    language), so one worker loads the page once per width for the page, reader and
    accessibility checks (tests/browser/dlcheck.py); the two search files share one pair of
    search tabs (``search``); every other test file is one group, so its module fixtures are
    set up once; files that share a session fixture share a group (``SHARED_GROUPS``). Page
    blocks and docstrings (Sybil) each run alone and need no group.
    """
    path = nodeid.split("::", 1)[0]
    if path in SHARED_GROUPS:
        return SHARED_GROUPS[path]
    if path.startswith("tests/browser/test_search"):
        return "search"
    page = PAGE_ID.search(nodeid) if path.startswith("tests/browser/") else None
    if page:
        return f"page {page.group(1).split(':', 1)[1]}"
    return path if path.startswith("tests/") else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its ``xdist_group``, which ``--dist loadgroup`` (``make test``) reads.

    ``tryfirst``: pytest-xdist reads the marks in its own ``pytest_collection_modifyitems``,
    which would otherwise run before this one. pytest is pinned to 9.1.1: pytest-xdist 3.8.0
    under pytest 9.2 ignores every ``xdist_group`` mark, static or added here
    (pytest-dev/pytest-xdist#1386); tests/test_ci.py fails when the grouping is ignored.
    """
    if not config.pluginmanager.hasplugin("xdist"):  # -p no:xdist: the mark is not registered
        return
    for item in items:
        if group := xdist_group(item.nodeid):
            item.add_marker(pytest.mark.xdist_group(group))


def _bucket(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    if path.startswith("docs/") and path.endswith(".md"):
        return "blocks"
    if path.startswith("src/"):
        return "docstrings"
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and (bucket := _bucket(report.nodeid)):
        _ran[bucket] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _ran:
        terminalreporter.write_sep("-", "code run by Sybil")
        terminalreporter.write_line(
            f"pages: {_ran['blocks']} code blocks passed, each alone (English pages; the Chinese "
            f"ones hold the same code and outputs: tests/test_parity.py); "
            f"package: {_ran['docstrings']} docstrings' examples passed"
        )
