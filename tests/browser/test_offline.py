"""The offline copy (``make offline``, scripts/offline.py): a zip of the whole site, both
languages, that works from ``file://`` with no network.

The zip is built once per session (an extra ``mkdocs build --strict`` with Material's offline
plugin on, after the session's compute step), unzipped, and read in Chromium from ``file://``
in a browser context that is offline: on the home page, the first question's page and its
notebook, in each language. Every request a page makes must be a ``file://`` URL (or inline
``data:``). The home page and the footer state the zip's size as an upper bound, checked here
against the zip.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from dlbrowser import DESKTOP, Visit
from dlpages import DEFAULT, LANGUAGES, ROOT, mkdocs_config, page_names, question_pages

NAME = "dlnotes-offline"
QUESTION = question_pages()[0]
PAGES = ["index", QUESTION, f"notebooks/{QUESTION}"]
CASES = [(lang, name) for lang in LANGUAGES for name in PAGES]
IDS = [f"{lang}-{name.replace('/', '-')}" for lang, name in CASES]
# A query per language, and the page that must be among its results.
QUERIES = {DEFAULT: ("batch normalization", QUESTION), "zh": ("批量归一化", QUESTION)}
# "under 12 MB" / "小于 12 MB" next to the link to the zip.
STATED_SIZE = re.compile(r"(?:under|小于)\s*(\d+(?:\.\d+)?)\s*MB")
NOTEBOOK_JS = """() => ({
  cells: document.querySelectorAll('.jp-Cell').length,
  code: document.querySelectorAll('.jp-CodeCell .highlight, .jp-CodeCell pre').length,
  outputs: document.querySelectorAll('.jp-OutputArea-output').length,
})"""


def offline_path(name: str, lang: str) -> str:
    """A page's file in the offline copy (no directory URLs): ``zh/notebooks/sgd.html``."""
    prefix = "" if lang == DEFAULT else f"{lang}/"
    return f"{prefix}{name}.html"


class FileSite:
    """The unzipped copy, addressed by ``file://`` URLs (what :class:`Visit` asks of a server)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.origin = "file://"

    def url(self, path: str) -> str:
        return (self.root / path).as_uri()


@pytest.fixture(scope="session")
def offline_zip(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``scripts/offline.py``, as ``make offline`` runs it (its compute step finds the results
    the session's build computed, unless the tree changed in between)."""
    out = tmp_path_factory.mktemp("offline")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "offline.py"), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out / f"{NAME}.zip"


@pytest.fixture(scope="session")
def offline_site(offline_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> FileSite:
    """The zip unzipped, as a reader gets it."""
    dest = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(offline_zip) as archive:
        archive.extractall(dest)
    return FileSite(dest / NAME)


@pytest.fixture(scope="session")
def offline_tab(browser: object, offline_site: FileSite) -> Iterator[Visit]:
    """A tab in a context with no network at all, on the unzipped copy."""
    context = browser.new_context(viewport=DESKTOP, offline=True, service_workers="block")
    tab = Visit(context, offline_site, cold=False)
    yield tab
    context.close()


def open_offline(tab: Visit, path: str) -> None:
    tab.reset()
    tab.open(path)


def requests_off_disk(tab: Visit) -> list[str]:
    return [url for url in tab.requests if not url.startswith(("file://", "data:"))]


def test_the_zip_holds_every_page_in_both_languages(offline_zip: Path) -> None:
    names = set(zipfile.ZipFile(offline_zip).namelist())
    # (the not-found page is the default language's only: a file:// copy never shows it)
    expected = {
        f"{NAME}/{offline_path(name, lang)}"
        for lang in LANGUAGES
        for name in page_names()
        if name != "404"
    }
    expected |= {
        f"{NAME}/{'' if lang == DEFAULT else lang + '/'}search/search_index.js"
        for lang in LANGUAGES
    }
    assert expected - names == set()


def test_no_page_loads_anything_from_another_host(offline_site: FileSite) -> None:
    """Every page of the copy, read as text: scripts, stylesheets, images and iframes are
    local (the browser checks below load only six pages)."""
    loads = re.compile(
        r'<(?:script|img|iframe|source)\b[^>]*\bsrc="([^"]+)"|'
        r'<link\b[^>]*\brel="(?:stylesheet|preload|modulepreload|icon)"'
        r'[^>]*\bhref="([^"]+)"'
    )
    remote = {}
    pages = sorted(offline_site.root.rglob("*.html"))
    assert len(pages) >= len(page_names()) * len(LANGUAGES)
    for page in pages:
        for match in loads.finditer(page.read_text("utf-8")):
            url = match.group(1) or match.group(2)
            if re.match(r"(?:[a-z]+:)?//", url) and not url.startswith("data:"):
                remote.setdefault(str(page.relative_to(offline_site.root)), []).append(url)
    assert remote == {}


@pytest.mark.parametrize(("lang", "name"), CASES, ids=IDS)
def test_page_works_from_file(offline_tab: Visit, lang: str, name: str) -> None:
    """Formulas rendered by the vendored KaTeX, figures loaded, the notebook rendered, no
    console error, and nothing requested but files."""
    open_offline(offline_tab, offline_path(name, lang))
    tab = offline_tab
    assert tab.page.url == tab.server.url(offline_path(name, lang))
    formulas = tab.formulas()
    assert formulas["rendered"] == formulas["total"], formulas
    images = tab.page.evaluate("() => document.querySelectorAll('article img').length")
    assert tab.broken_images() == []
    if name == QUESTION:
        assert formulas["total"] > 10
        assert tab.page.locator("article .katex").count() >= formulas["total"]
        assert images > 0
    if name.startswith("notebooks/"):
        notebook = tab.page.evaluate(NOTEBOOK_JS)
        assert notebook["cells"] > 3 and notebook["code"] > 0 and notebook["outputs"] > 0, notebook
        assert images > 0  # the experiments' plots, in the cells' outputs
    assert requests_off_disk(tab) == []
    assert tab.problems() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_navigation_and_language_switch(offline_tab: Visit, lang: str) -> None:
    """From the home page through the nav to the question and its notebook, then the language
    menu to the same page in the other language: each a file of the copy."""
    tab = offline_tab
    open_offline(tab, offline_path("index", lang))
    for name in (QUESTION, f"notebooks/{QUESTION}"):
        link = tab.page.locator(
            f'.md-sidebar--primary a.md-nav__link[href$="{name.split("/")[-1]}.html"]'
        )
        target = tab.server.url(offline_path(name, lang))
        hrefs = link.evaluate_all("links => links.map(a => a.href)")
        assert target in hrefs, hrefs
        with tab.page.expect_navigation(wait_until="load"):
            link.nth(hrefs.index(target)).click()
        tab.settle()
        assert tab.page.url == target
    other = next(other for other in LANGUAGES if other != lang)
    switched = urlsplit(tab.switch_language(other))._replace(fragment="").geturl()
    assert switched == tab.server.url(offline_path(f"notebooks/{QUESTION}", other))
    tab.settle()
    assert tab.page.locator("article h1").count() == 1
    assert requests_off_disk(tab) == []
    assert tab.problems() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_works_from_file(offline_tab: Visit, lang: str) -> None:
    """Material's search from file:// (its index loaded as a script, its worker in the vendored
    iframe-worker shim): the query finds its page, in the page's language only."""
    query, expected = QUERIES[lang]
    tab = offline_tab
    open_offline(tab, offline_path("index", lang))
    # Material hides the search box when its worker does not start
    assert tab.page.locator("input.md-search__input").is_visible(), "no search box"
    found = tab.search(query)
    assert tab.server.url(offline_path(expected, lang)) in found[:3], found
    in_other_languages = [
        url
        for url in found
        for other in LANGUAGES
        if other not in (DEFAULT, lang) and url.startswith(tab.server.url(other) + "/")
    ]
    if lang == DEFAULT:
        assert in_other_languages == [], found
    else:
        assert all(url.startswith(tab.server.url(lang) + "/") for url in found), found
    assert requests_off_disk(tab) == []
    assert tab.problems() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_and_footer_link_the_zip_with_a_true_size(
    site_dir: Path, offline_zip: Path, lang: str
) -> None:
    """The online site's home page and footer link the zip the Pages workflow deploys next to
    the site, with an upper bound of its size that holds (and is not loose by more than 2x)."""
    url = f"{mkdocs_config()['site_url']}{NAME}.zip"
    home = (site_dir / ("" if lang == DEFAULT else lang) / "index.html").read_text("utf-8")
    links = re.findall(rf'<a\b[^>]*\bhref="{re.escape(url)}"[^>]*>(.*?)</a>(.{{0,80}})', home, re.S)
    assert len(links) == 2, f"the home page and its footer link {url}: {links}"
    size_mb = offline_zip.stat().st_size / 1e6
    for text, after in links:
        stated = STATED_SIZE.search(re.sub(r"<[^>]+>", "", text + after))
        assert stated, f"no size next to the link: {text + after!r}"
        bound = float(stated.group(1))
        assert bound / 2 < size_mb <= bound, (size_mb, bound)


def test_pages_workflow_deploys_the_zip_with_the_site() -> None:
    """The job that builds the site for Pages also runs ``make offline`` and puts the zip in
    the uploaded folder, where the links above point."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text("utf-8"))
    steps = workflow["jobs"]["test"]["steps"]
    upload = next(s for s in steps if "upload-pages-artifact" in s.get("uses", ""))
    runs = "\n".join(s.get("run", "") for s in steps[: steps.index(upload)])
    assert "make offline" in runs
    assert f"cp dist-site/{NAME}.zip {upload['with']['path']}/" in runs
