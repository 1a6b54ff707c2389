"""Structural page weight (issue 27 item 5): what a phone parses and downloads, read from the
session's build, with no browser and nothing timed.

- DOM elements per page (the start tags of the built HTML), under a limit per kind of page
  set from the measurement of
  2026-12-06 with headroom (``ELEMENT_LIMITS``). Formulas rendered in the browser add their
  KaTeX elements at run time; rendered at build time they are counted here.
- HTML of each API page <= 400 KB (the one API page was 817 KB).
- Gzip weight per question page <= 400 KB: its HTML and what the HTML makes the browser load
  at once (stylesheets, scripts, images, the search worker named in Material's ``__config``
  and the language's search index, which that worker fetches on load), each gzip-compressed
  as GitHub Pages serves text (PNG and other compressed formats counted as they are). Fonts
  are not counted: which KaTeX fonts a page loads depends on the glyphs its formulas use; the
  browser tests (tests/browser/test_pages.py) weigh a real load, fonts included.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
from dlpages import LANGUAGES, SitePage, question_pages

# The limits per kind: the largest page of each kind measured on 2026-12-06 with formulas
# rendered at build time (issue 27 item 1: KaTeX's markup is in the HTML, about 50 elements a
# formula; rendered in the browser it was added there, which Lighthouse counted), plus about
# 25 %: question zh/lstm-gru 12,014 (sgd 11,246; batch-norm 8,013); API zh/api/rnn 5,194 (the
# one API page had 23,000); other drill 15,265 (followups 15,184); print, the whole book on one
# page, 41,376.
ELEMENT_LIMITS = {"question": 15_000, "api": 6_500, "print": 52_000, "other": 19_000}
MAX_API_HTML_BYTES = 400_000
MAX_QUESTION_GZIP_BYTES = 400_000
# A start tag (the HTML parser takes 13 s over the notebooks' megabytes; in text, code and
# attributes a "<" is escaped, so this counts what the parser counts, checked below).
START_TAG = re.compile(r"<[A-Za-z]")
# Formats already compressed: GitHub Pages sends them as they are.
COMPRESSED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".ico"}


class _Elements(HTMLParser):
    """Counts start tags and collects what the page loads when it is opened."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.loads: list[str] = []
        self._config = False
        self.config = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.count += 1
        a = dict(attrs)
        if tag == "link" and (a.get("rel") or "") in {"stylesheet", "icon", "preload"}:
            self.loads.append(a.get("href") or "")
        elif tag in {"script", "img"} and a.get("src"):
            self.loads.append(a["src"] or "")
        self._config = tag == "script" and a.get("id") == "__config"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._config:
            self.config += data


def built_pages(site: Path) -> list[str]:
    """Every built page's URL path (``""``, ``zh/api/norm/``, ...), from the site itself."""
    return sorted(
        "" if p.parent == site else p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
        if "assets" not in p.relative_to(site).parts
    )


def kind(path: str) -> str:
    name = path.removeprefix(f"{path.split('/')[0]}/") if path.split("/")[0] in LANGUAGES else path
    name = name.rstrip("/")
    if name in question_pages():
        return "question"
    if name == "api" or name.startswith("api/"):
        return "api"
    return "print" if name == "print" else "other"


@cache
def parsed(file: Path) -> _Elements:
    parser = _Elements()
    parser.feed(file.read_text(encoding="utf-8"))
    return parser


def gzip_size(data: bytes, suffix: str) -> int:
    return len(data) if suffix in COMPRESSED else len(gzip.compress(data, 6))


def page_weight(site: Path, path: str) -> dict[str, int]:
    """Gzip bytes of the page's HTML and of each file it loads at once (site-relative name)."""
    file = site / path / "index.html"
    page = parsed(file)
    folder = PurePosixPath(path)
    loads = list(page.loads)
    config = json.loads(page.config) if page.config.strip() else {}
    if config.get("search"):
        loads.append(config["search"])
        base = PurePosixPath(path) / config.get("base", ".")
        loads.append(str(base / "search" / "search_index.json"))
    weights = {f"{path}index.html": gzip_size(file.read_bytes(), ".html")}
    for url in loads:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # another host: no page loads one (tests/browser/test_pages.py)
        target = (
            PurePosixPath(parts.path) if parts.path.startswith(str(folder)) else folder / parts.path
        )
        resolved = (site / target).resolve()
        name = resolved.relative_to(site.resolve()).as_posix()
        if name not in weights:
            weights[name] = gzip_size(resolved.read_bytes(), resolved.suffix)
    return weights


def test_every_page_is_counted(site_dir: Path) -> None:
    pages = built_pages(site_dir)
    assert "" in pages and "zh/api/norm/" in pages
    for lang in LANGUAGES:
        for name in question_pages():
            assert SitePage(name, lang).path in pages
    assert {kind(p) for p in pages} >= {"question", "api", "other"}


def test_dom_size_per_page(site_dir: Path) -> None:
    over = {}
    sizes = {}
    for path in built_pages(site_dir):
        count = len(START_TAG.findall((site_dir / path / "index.html").read_text("utf-8")))
        sizes[path] = count
        if count > ELEMENT_LIMITS[kind(path)]:
            over[path] = f"{count:,} elements > {ELEMENT_LIMITS[kind(path)]:,} ({kind(path)})"
    assert min(sizes.values()) > 100, "the elements were counted"
    for path in [p for p in sizes if kind(p) == "question"]:  # the same count as the parser's
        assert sizes[path] == parsed(site_dir / path / "index.html").count, path
    assert not over, over


def test_api_pages_html_size(site_dir: Path) -> None:
    api = [p for p in built_pages(site_dir) if kind(p) == "api"]
    assert len(api) >= 2 * len(LANGUAGES)
    over = {}
    for path in api:
        size = (site_dir / path / "index.html").stat().st_size
        if size > MAX_API_HTML_BYTES:
            over[path] = size
    assert not over, f"API pages over {MAX_API_HTML_BYTES:,} bytes of HTML: {over}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", question_pages())
def test_question_page_gzip_weight(site_dir: Path, name: str, lang: str) -> None:
    path = SitePage(name, lang).path
    weights = page_weight(site_dir, path)
    kinds = {re.sub(r".*\.", "", n) for n in weights}
    assert {"html", "css", "js", "json"} <= kinds, f"what {path} loads was not found: {weights}"
    total = sum(weights.values())
    heaviest = sorted(weights.items(), key=lambda kv: -kv[1])[:5]
    assert total <= MAX_QUESTION_GZIP_BYTES, f"{path}: {total:,} bytes gzip; heaviest {heaviest}"
