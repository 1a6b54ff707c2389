"""Sybil: run every ```python and ```pycon block of the pages and every >>> example of the package.

- ``docs/**/*.md``: each page's blocks run in order (```pycon sessions as doctests, see
  tests/sybil_pycon.py), in one namespace per page (the way a
  reader going down the page would run them). ``tests/test_snippets_isolated.py`` runs each
  block once more on its own, because readers copy one block, not a page.
- ``src/**/*.py``: the ``>>>`` examples in docstrings (pytest's own doctest plugin is disabled
  in pyproject.toml so they are not collected twice).

At the end of the run, the terminal summary says how many blocks ran per language.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest
from sybil import Sybil
from sybil.parsers.markdown import ClearNamespaceParser, PythonCodeBlockParser
from sybil.parsers.rest import DocTestParser
from sybil_pycon import PyconCodeBlockParser

pages = Sybil(
    parsers=[PythonCodeBlockParser(), PyconCodeBlockParser(), ClearNamespaceParser()],
    patterns=["*.md"],
    path="docs",
)
docstrings = Sybil(parsers=[DocTestParser()], patterns=["*.py"], path="src")

pytest_collect_file = (pages + docstrings).pytest()

_ran: Counter[str] = Counter()


def _bucket(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    if path.startswith("docs/") and path.endswith(".md"):
        return "zh" if path.endswith(".zh.md") else "en"
    if path.startswith("src/"):
        return "docstrings"
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, build the site once in the controller and share it with the workers.

    The workers also share the session's experiment results, starting from those the build
    stored for the current code (tests/experiment_results.py). Without ``-n``, or in a
    worker, or when ``DLNOTES_SITE`` names a site to check, nothing is built here and the
    ``built_site`` fixture builds the site on first use. A failed build is not reported
    here: the workers then build it themselves and fail with its log.
    """
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
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
        Path(__file__).parent / ".cache" / "experiments"
    )
    if os.environ.get("DLNOTES_SITE"):
        return
    if strict_build_problems(session / "site") is None:
        os.environ["DLNOTES_BUILT_SITE"] = str(session / "site")


# A browser check's page, from its test id: ``test_x[390-en:notebooks/sgd]`` gives
# ``en:notebooks/sgd``.
PAGE_ID = re.compile(r"\[(?:\d+-)?([a-z]{2}:[\w/.-]+)\]$")


def work_unit(nodeid: str) -> str:
    """What one worker runs in one go (see ``pytest_xdist_make_scheduler``): ``page api``
    for ``tests/browser/test_reader.py::test_theme_strings_in_page_language[390-zh:api]`` (a
    page in every language: their console sessions print the same, run once per worker),
    ``src/dlnotes/conv.py`` for ``src/dlnotes/conv.py::line:46,column:1``, ``search`` for the
    two search files."""
    if nodeid.startswith("tests/browser/test_search"):
        return "search"  # one pair of search tabs (tests/browser/conftest.py)
    page = PAGE_ID.search(nodeid) if nodeid.startswith("tests/browser/") else None
    return f"page {page.group(1).split(':', 1)[1]}" if page else nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Under ``pytest -n N`` (``make test``), tests go to workers in units (``work_unit``).

    A browser check of one site page joins that page's unit, so each page's checks from every
    file run on one worker, which loads the page once per width and language for all of them
    (tests/browser/dlcheck.py). Every other test joins its file's unit: the blocks of a page or
    of a docstring share one namespace (Sybil), and a module's fixtures are set up once. About
    80 units of very different lengths balance across two workers far better than whole files
    (the accessibility file alone was a third of the suite). This replaces the ``--dist`` mode
    the command line names (pytest-xdist's ``loadgroup`` ignores marks under pytest 9).
    """
    from xdist.scheduler import LoadScopeScheduling

    class ByPage(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ByPage(config, log)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and (bucket := _bucket(report.nodeid)):
        _ran[bucket] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _ran:
        terminalreporter.write_sep("-", "code blocks run by Sybil")
        terminalreporter.write_line(
            f"pages: {_ran['en']} English blocks, {_ran['zh']} Chinese blocks passed; "
            f"package docstrings: {_ran['docstrings']} examples passed"
        )
