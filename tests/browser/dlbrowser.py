"""Chromium for the browser tests, and a tab (:class:`Visit`) that records what a page does.

Debian's Chromium is driven by Playwright (never a downloaded browser); a missing browser or CJK
font is a skip with :data:`INSTALL_HINT` locally, a failure under ``CI=true`` (see conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import dlchromium  # scripts/dlchromium.py (pytest's pythonpath)
from dlserver import SiteServer

INSTALL_HINT = (
    "install Chromium and a CJK font with `sudo apt-get install chromium fonts-wqy-microhei`, "
    "or point DLNOTES_CHROMIUM at a Chromium binary"
)


def chromium_executable() -> str | None:
    """The Chromium binary to drive: ``$DLNOTES_CHROMIUM`` or Debian's ``/usr/bin/chromium``."""
    return dlchromium.executable()


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


CHROMIUM_ARGS = [
    *dlchromium.ARGS,  # scripts/dlchromium.py: what make pdf and make lighthouse run with too
    "--disable-quic",
    # Several tabs stay open (one per server, one per search language): do not slow down the
    # ones in the background.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

KATEX_RENDERED_JS = """() => [...document.querySelectorAll('.arithmatex')]
    .every(e => e.querySelector('.katex, .katex-error'))"""

FORMULAS_JS = """() => {
  const all = [...document.querySelectorAll('.arithmatex')];
  return {
    total: all.length,
    rendered: all.filter(e => e.querySelector('.katex') && !e.querySelector('.katex-error')).length,
    errors: [...document.querySelectorAll('.katex-error')].map(e => e.textContent.slice(0, 120)),
  };
}"""

IMAGES_JS = """async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.complete ? null :
    new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done);
                          setTimeout(done, 5000); })));
  return images.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth}));
}"""

RESULTS_JS = """() => [...document.querySelectorAll(
    '.md-search-result__item > .md-search-result__link')].map(a => a.href)"""

SETTLED_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

# Many queries in one evaluation, through Material's own search box: for each query the box is
# emptied (the result list clears), the query is put in and a keyup is sent, which is the event
# Material's search listens to (components/search/query); the worker answers every query with
# a result message, which rewrites the result count (``.md-search-result__meta``) and renders the
# list in the same task. The results are read once the count has changed (or after 10 s: no
# answer, reported as such).
SEARCH_MANY_JS = """async (queries) => {
  const box = document.querySelector('input.md-search__input');
  const meta = document.querySelector('.md-search-result__meta');
  const answered = () => new Promise(resolve => {
    const timer = setTimeout(() => { watch.disconnect(); resolve(false); }, 10000);
    const watch = new MutationObserver(() => {
      watch.disconnect(); clearTimeout(timer); resolve(true);
    });
    watch.observe(meta, {childList: true, characterData: true, subtree: true});
  });
  const type = value => {
    const done = answered();
    box.value = value;
    box.dispatchEvent(new KeyboardEvent('keyup', {key: 'End', bubbles: true}));
    return done;
  };
  const found = [];
  for (const query of queries) {
    if (box.value !== '') await type('');
    const answer = await type(query);
    const items = [...document.querySelectorAll('.md-search-result__item')];
    found.push({
      answered: answer,
      urls: items.map(item => item.querySelector(':scope > .md-search-result__link'))
        .filter(Boolean).map(a => a.href),
      previews: items.map(item => item.textContent),
    });
  }
  return found;
}"""


@dataclass
class SearchResult:
    """What Material's search listed for one query: result pages (best first) and previews."""

    answered: bool  # the search worker answered (False: no answer within 10 s)
    pages: list[str]
    previews: list[str]


def category(url: str, resource_type: str) -> str:
    """Weight bucket of one response: html, css, js, json, images, fonts or other."""
    path = urlsplit(url).path.lower()
    if resource_type == "Document":
        return "html"
    if resource_type == "Stylesheet" or path.endswith(".css"):
        return "css"
    if resource_type == "Script" or path.endswith((".js", ".mjs")):
        return "js"
    if resource_type == "Font" or path.endswith((".woff2", ".woff", ".ttf", ".otf")):
        return "fonts"
    if resource_type == "Image" or path.endswith((".png", ".svg", ".jpg", ".jpeg", ".gif", ".ico")):
        return "images"
    if path.endswith(".json"):
        return "json"
    return "other"


@dataclass
class Weight:
    """Bytes transferred (compressed, with headers) while a page loaded, by kind."""

    by_kind: dict[str, int]
    requests: int

    @property
    def code(self) -> int:
        """HTML + CSS + JS: the budgeted part."""
        return sum(self.by_kind.get(k, 0) for k in ("html", "css", "js"))


WEIGHTS: dict[str, Weight] = {}  # page id -> bytes transferred on a cold load
BUDGET_KB = 400  # HTML + CSS + JS per question page, transferred (1 KB = 1000 bytes)


def weight_table() -> str:
    kinds = ("html", "css", "js", "json", "images", "fonts", "other")
    head = (
        f"{'page':<28}" + "".join(f"{k:>8}" for k in kinds) + f"{'HTML+CSS+JS':>13}{'requests':>10}"
    )
    lines = [
        "Bytes transferred per page on a cold load (gzip as on GitHub Pages, headers included),",
        f"in KB (1000 bytes). Budget: HTML+CSS+JS <= {BUDGET_KB} KB per question page.",
        "json = the search index (fetched by Material's search worker at page load);",
        "other = anything else (none expected).",
        "",
        head,
        "-" * len(head),
    ]
    for page_id in sorted(WEIGHTS):
        w = WEIGHTS[page_id]
        cells = "".join(f"{w.by_kind.get(k, 0) / 1000:>8.1f}" for k in kinds)
        lines.append(f"{page_id:<28}{cells}{w.code / 1000:>13.1f}{w.requests:>10}")
    return "\n".join(lines) + "\n"


class Visit:
    """A browser tab on one server, its traffic recorded, the HTTP cache off if ``cold``.

    With the cache off every load is a cold load, so the bytes counted are what a first-time
    reader downloads. Tests share one tab per server and call :meth:`reset` first (opening a
    tab costs more than a page check on a 2-core machine).
    """

    def __init__(self, context, server: SiteServer, *, cold: bool = True) -> None:
        self.server = server
        self.page = context.new_page()
        # Every load starts like a first visit: Material caches things such as the repository
        # facts it fetched in the tab's storage, which would hide a request on later pages.
        self.page.add_init_script("try { sessionStorage.clear(); localStorage.clear(); } catch {}")
        self.reset(blank=False)
        page = self.page
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_done)
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_status)
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.console_errors.append((f"uncaught: {e}", "")))
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Network.responseReceived", self._on_response)
        self.cdp.on("Network.loadingFinished", self._on_finished)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": cold})

    def reset(self, *, blank: bool = True) -> Visit:
        """Forget what was recorded; leave the current page for about:blank."""
        if blank:
            self.page.bring_to_front()
            self.page.goto("about:blank")
            self.page.set_viewport_size(DESKTOP)
            self.wait_quiet(quiet=0.05, timeout=3)  # let aborted requests report first
        self.requests: list[str] = []
        self.console_errors: list[tuple[str, str]] = []
        self.failed: list[str] = []
        self.bad_status: list[tuple[str, int]] = []
        self._inflight = max(getattr(self, "_inflight", 0), 0)
        self._last_change = time.monotonic()
        self._responses: dict[str, tuple[str, str]] = {}
        self._sizes: dict[str, int] = {}
        return self

    # -- event handlers ----------------------------------------------------------------------

    def _on_request(self, request) -> None:
        self.requests.append(request.url)
        self._inflight += 1
        self._last_change = time.monotonic()

    def _on_done(self, request) -> None:
        self._inflight -= 1
        self._last_change = time.monotonic()

    def _on_failed(self, request) -> None:
        self.failed.append(f"{request.url} ({request.failure})")
        self._on_done(request)

    def _on_status(self, response) -> None:
        if response.status >= 400:
            self.bad_status.append((response.url, response.status))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def _on_response(self, event: dict) -> None:
        self._responses[event["requestId"]] = (event["response"]["url"], event["type"])

    def _on_finished(self, event: dict) -> None:
        self._sizes[event["requestId"]] = int(event["encodedDataLength"])

    # -- actions -----------------------------------------------------------------------------

    def open(self, path: str, *, status: int = 200) -> None:
        """Go to a site path and wait until it has settled (formulas, fonts, network)."""
        response = self.page.goto(self.server.url(path), wait_until="load")
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"{self.server.url(path)}: HTTP {response.status}"
        self.settle()

    def wait_quiet(self, quiet: float = 0.2, timeout: float = 10.0) -> None:
        """Wait until no request has been in flight for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._inflight <= 0 and time.monotonic() - self._last_change >= quiet:
                return
            self.page.wait_for_timeout(50)

    def settle(self) -> None:
        # A formula that never renders is reported by the formula check, not here.
        with contextlib.suppress(Exception):
            self.page.wait_for_function(KATEX_RENDERED_JS, timeout=10_000)
        self.page.evaluate("() => document.fonts.ready.then(() => true)")
        self.wait_quiet()
        self.page.evaluate(SETTLED_JS)

    def switch_language(self, lang: str, *, wait_until: str = "load") -> str:
        """Use the header's language menu (it opens on hover); return the URL it leads to."""
        self.page.hover(".md-header .md-select")
        link = self.page.locator(f'.md-header .md-select__link[hreflang="{lang}"]')
        with self.page.expect_navigation(wait_until=wait_until):
            link.click(no_wait_after=True)
        return self.page.url

    def search(self, query: str) -> list[str]:
        """Run a query in Material's search box; return the result pages' URLs, best first.

        Material searches on keyup, which ``fill`` does not send (nor does typing Chinese, which
        inserts text without key events): the text is put in, then a key is pressed, so exactly
        one search runs for the whole query.
        """
        page = self.page
        page.bring_to_front()
        box = page.locator("input.md-search__input")
        if not box.is_visible():  # on a phone the box opens from the header icon
            page.locator("label.md-search__icon[for='__search']").first.click()
        box.click()
        box.fill("")
        page.keyboard.press("End")
        page.wait_for_function("() => !document.querySelector('.md-search-result__item')")
        box.fill(query)
        page.keyboard.press("End")
        page.wait_for_selector(".md-search-result__item", timeout=10_000)
        urls = page.evaluate(RESULTS_JS)
        return result_pages(urls)

    def search_many(self, queries: list[str]) -> dict[str, SearchResult]:
        """Run many queries in Material's search box in one page evaluation (see
        ``SEARCH_MANY_JS``): the same search as :meth:`search`, without a round trip per key.

        :meth:`search` types with the keyboard; the tests that use it keep that path covered.
        """
        page = self.page
        page.bring_to_front()
        box = page.locator("input.md-search__input")
        if not box.is_visible():
            page.locator("label.md-search__icon[for='__search']").first.click()
        box.click()
        found = page.evaluate(SEARCH_MANY_JS, queries)
        return {
            query: SearchResult(a["answered"], result_pages(a["urls"]), a["previews"])
            for query, a in zip(queries, found, strict=True)
        }

    def screenshot(self, path: Path, *, full_page: bool = True) -> None:
        """The whole page (or its first screen) as a JPEG (a tall page as PNG takes seconds on
        2 cores; the whole API page as JPEG still takes 4 s)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=path.with_suffix(".jpg"), full_page=full_page, quality=80)

    # -- findings ----------------------------------------------------------------------------

    def is_local(self, url: str) -> bool:
        scheme = urlsplit(url).scheme
        return scheme in {"data", "blob", "about"} or url.startswith(self.server.origin + "/")

    def problems(self, *, expected_404: str | None = None) -> list[str]:
        """Console errors, failed requests and requests to other hosts (but ``expected_404``).

        No 4xx is harmless: Material's probes of ``<page>/sitemap.xml`` for the language
        switcher, once allowed here, are gone (hooks/alternate_links.py).
        """

        def harmless(url: str) -> bool:
            return url == expected_404

        external = [url for url in self.requests if not self.is_local(url)]
        found = [f"request to another host: {url}" for url in external]
        # (a request to another host also fails offline; report it once)
        found += [
            f"failed request: {entry}"
            for entry in self.failed
            if not any(entry.startswith(f"{url} ") for url in external)
        ]
        found += [f"HTTP {status}: {url}" for url, status in self.bad_status if not harmless(url)]
        for text, url in self.console_errors:
            if url and (url in external or (harmless(url) and "status of 404" in text)):
                continue
            found.append(f"console error: {text} {url}".strip())
        return list(dict.fromkeys(found))

    def formulas(self) -> dict:
        return self.page.evaluate(FORMULAS_JS)

    def broken_images(self) -> list[str]:
        return [img["src"] for img in self.page.evaluate(IMAGES_JS) if not img["width"]]

    def weight(self) -> Weight:
        """Bytes transferred so far, by kind (data: URLs are not transfers)."""
        by_kind: dict[str, int] = {}
        count = 0
        for request_id, size in self._sizes.items():
            url, kind = self._responses.get(request_id, ("", "Other"))
            if not url or url.startswith("data:"):
                continue
            bucket = category(url, kind)
            by_kind[bucket] = by_kind.get(bucket, 0) + size
            count += 1
        return Weight(by_kind, count)


def search_in_tabs(
    tabs: dict[str, Visit], cases: list[tuple[str, str, str]]
) -> dict[str, tuple[dict[str, SearchResult], list[str]]]:
    """Every ``(lang, query, page)`` case's query run in its language's tab, all at once (one
    page evaluation per language); per language: the results by query, and the tab's
    problems after them."""
    done = {}
    for lang, tab in tabs.items():
        queries = list(dict.fromkeys(q for language, q, _ in cases if language == lang))
        done[lang] = (tab.search_many(queries), tab.problems())
    return done


def result_pages(urls: list[str]) -> list[str]:
    """Search result links as pages, best first (a page's sections count once)."""
    pages = [urlsplit(url)._replace(query="", fragment="").geturl() for url in urls]
    return list(dict.fromkeys(pages))


def count_formulas_in_html(html_file: Path) -> int:
    """Formulas arithmatex left in a built page (inline spans and display divs)."""
    return len(re.findall(r'<(?:span|div) class="arithmatex"', html_file.read_text("utf-8")))
