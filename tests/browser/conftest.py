"""Fixtures for the browser tests: Chromium (once per session) and the built site, served.

Without Chromium (or Playwright, or a CJK font) these tests are skipped locally with the
install command in the reason; under ``CI=true`` that is a failure instead.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import dlcheck
import pytest
from dlbrowser import (
    CHROMIUM_ARGS,
    DESKTOP,
    INSTALL_HINT,
    WEIGHTS,
    Visit,
    chromium_executable,
    running_in_ci,
    weight_table,
)
from dlpages import ARTIFACTS, LANGUAGES, SitePage, site_prefix
from dlserver import SiteServer


def _missing_browser_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if chromium_executable() is None:
        return f"Chromium not found: {INSTALL_HINT}"
    if shutil.which("fc-list"):
        fonts = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
        )
        if not fonts.stdout.strip():
            return f"no CJK font, Chinese pages would render as boxes: {INSTALL_HINT}"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole session (Debian's, never a downloaded one)."""
    reason = _missing_browser_reason()
    if reason:
        if running_in_ci():
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def context(browser: object) -> Iterator[object]:
    """One browser context for the session; each check opens its own tab (see ``Visit``)."""
    shared = browser.new_context(viewport=DESKTOP, service_workers="block")
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def root_server(site_dir: Path) -> Iterator[SiteServer]:
    """The built site at the root of a local server (http://127.0.0.1:PORT/)."""
    with SiteServer(site_dir) as server:
        yield server


@pytest.fixture(scope="session")
def project_server(site_dir: Path) -> Iterator[SiteServer]:
    """The built site under the project prefix, as on GitHub Pages (http://.../dlnotes/)."""
    with SiteServer(site_dir, site_prefix()) as server:
        yield server


@pytest.fixture(scope="session")
def _root_tab(context: object, root_server: SiteServer) -> Iterator[Visit]:
    tab = Visit(context, root_server)
    yield tab
    tab.page.close()


@pytest.fixture(scope="session")
def _project_tab(context: object, project_server: SiteServer) -> Iterator[Visit]:
    tab = Visit(context, project_server, cold=False)  # no weighing here: cached assets are fine
    yield tab
    tab.page.close()


@pytest.fixture
def visit(_root_tab: Visit) -> Visit:
    """The tab on the site served at the server root, reset for this test."""
    return _root_tab.reset()


@pytest.fixture
def look(_root_tab: Visit, site_dir: Path, screenshots: Path) -> Callable[[SitePage, str], dict]:
    """``look(page, width)``: what the page, reader and accessibility checks measured on the
    page at that width, in one load per worker (tests/browser/dlcheck.py)."""

    def look(page: SitePage, width: str) -> dict:
        return dlcheck.look(_root_tab, page, width, site_dir=site_dir, screenshots=screenshots)

    return look


@pytest.fixture
def project_visit(_project_tab: Visit) -> Visit:
    """The tab on the site served under the project prefix (/dlnotes/), reset for this test."""
    return _project_tab.reset()


@pytest.fixture(scope="session")
def search_tabs(context: object, root_server: SiteServer) -> Iterator[dict[str, Visit]]:
    """One tab per language, on that language's home page, its search index loaded (about 8 s
    per language: Material's worker builds the index). Shared by test_search.py and
    test_search_quality.py (one ``xdist_group``, set in the root conftest.py)."""
    tabs = {}
    for lang in LANGUAGES:
        tab = Visit(context, root_server)
        tab.open(SitePage("index", lang).path)
        tabs[lang] = tab
    yield tabs
    for tab in tabs.values():
        tab.page.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """test-artifacts/screenshots/, emptied at the start of the session."""
    folder = ARTIFACTS / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not WEIGHTS:
        return
    table = weight_table()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "page-weight.txt").write_text(table, encoding="utf-8")
    terminalreporter.write_sep("-", "page weight (test-artifacts/page-weight.txt)")
    for line in table.splitlines():
        terminalreporter.write_line(line)
