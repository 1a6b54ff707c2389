"""The site's pages and how it is hosted, for the build, link and browser tests; Chromium.

Nothing here needs a browser: the page list comes from ``docs/`` (so a new page is checked
without editing any test), and :class:`SiteServer` serves a built site the way GitHub Pages does
(gzip for text, ``dir`` redirected to ``dir/``, the root ``404.html`` with status 404 for every
missing path), at the server root or under a project prefix such as ``/dlnotes/``.
"""

from __future__ import annotations

import contextlib
import gzip
import mimetypes
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ARTIFACTS = ROOT / "test-artifacts"
LANGUAGES = ("en", "zh")
INSTALL_HINT = (
    "install Chromium and a CJK font with `sudo apt-get install chromium fonts-wqy-microhei`, "
    "or point DLNOTES_CHROMIUM at a Chromium binary"
)


@dataclass(frozen=True)
class SitePage:
    """One page in one language, e.g. ``SitePage("batch-norm", "zh")`` -> ``zh/batch-norm/``."""

    name: str  # "index", "batch-norm", "notebooks/batch-norm"
    lang: str

    @property
    def path(self) -> str:
        """The page's URL path relative to the site root."""
        prefix = "" if self.lang == LANGUAGES[0] else f"{self.lang}/"
        return prefix if self.name == "index" else f"{prefix}{self.name}/"

    @property
    def other(self) -> SitePage:
        """The same page in the other language."""
        return SitePage(self.name, next(lang for lang in LANGUAGES if lang != self.lang))

    @property
    def id(self) -> str:
        return f"{self.lang}:{self.name}"

    @property
    def slug(self) -> str:
        return f"{self.lang}-{self.name.replace('/', '-')}"

    def html_file(self, site: Path) -> Path:
        return site / self.path / "index.html"


def page_names() -> list[str]:
    """Every page of the site, from the English sources (parity tests keep zh in step)."""
    pages = {p.relative_to(DOCS).as_posix().rsplit(".", 2)[0] for p in DOCS.rglob("*.en.md")}
    pages |= {
        p.relative_to(DOCS).as_posix().removesuffix(".en.py")
        for p in (DOCS / "notebooks").glob("*.en.py")
    }
    return sorted(pages)


def all_pages() -> list[SitePage]:
    return [SitePage(name, lang) for lang in LANGUAGES for name in page_names()]


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may hold ``!!python/name`` or ``!ENV`` tags: read them as plain values."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


@lru_cache(maxsize=1)
def mkdocs_config() -> dict:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def site_prefix() -> str:
    """The path GitHub Pages serves the site under, from site_url (``/dlnotes/``)."""
    path = urlsplit(mkdocs_config().get("site_url") or "/").path or "/"
    return path if path.endswith("/") else path + "/"


def _nav_pages(section: list) -> list[str]:
    found = []
    for item in section:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            found += _nav_pages(value)
        elif isinstance(value, str) and value.endswith(".md"):
            found.append(value.removesuffix(".md"))
    return found


def question_pages() -> list[str]:
    """The pages of the nav's "Questions" section (the five interview questions)."""
    for item in mkdocs_config().get("nav", []):
        if isinstance(item, dict) and "Questions" in item:
            return _nav_pages(item["Questions"])
    raise AssertionError("mkdocs.yml has no 'Questions' section in its nav")


def topic_pages() -> list[str]:
    """Pages read on a phone during interview preparation: the questions and the cheat sheet."""
    return [*question_pages(), *(["cheatsheet"] if "cheatsheet" in page_names() else [])]


def chromium_executable() -> str | None:
    """The Chromium binary to drive: ``$DLNOTES_CHROMIUM`` or Debian's ``/usr/bin/chromium``."""
    configured = os.environ.get("DLNOTES_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# --------------------------------------------------------------------------------------------
# A static host that behaves like GitHub Pages


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml")
EXTRA_TYPES = {
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".xml": "application/xml",
    ".py": "text/x-python",
    ".ipynb": "application/json",
    ".inv": "application/octet-stream",
}


def content_type(path: Path) -> str:
    kind = EXTRA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    kind = kind or "application/octet-stream"
    is_text = kind.startswith(COMPRESSIBLE) or kind == "image/svg+xml"
    return f"{kind}; charset=utf-8" if is_text and "charset" not in kind else kind


def compressible(kind: str) -> bool:
    return kind.startswith(COMPRESSIBLE) or kind.startswith("image/svg+xml")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A browser that navigates away drops connections mid-response: not a server error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """Serve ``site`` on 127.0.0.1 (random free port) at ``prefix``, like GitHub Pages.

    - ``prefix`` is ``/`` (site at the server root) or a project path such as ``/dlnotes/``;
      outside the prefix every path is a bare 404 (on Pages that is another site).
    - Text responses are gzip-compressed when the client accepts it, so the byte counts the
      browser reports are close to what Pages transfers.
    - ``/a/b`` where ``b`` is a folder redirects (301) to ``/a/b/``; folders serve index.html.
    - Any other missing path under the prefix gets the root ``404.html`` with status 404.
    """

    def __init__(self, site: Path, prefix: str = "/") -> None:
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError(f"prefix must start and end with '/': {prefix!r}")
        self.site = site.resolve()
        self.prefix = prefix
        self._lock = threading.Lock()
        self._gzip_cache: dict[Path, bytes] = {}
        server = self

        class Handler(SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: failures are reported by the tests

            def do_HEAD(self) -> None:
                server._respond(self, head=True)

            def do_GET(self) -> None:
                server._respond(self, head=False)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.origin}{prefix}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str = "") -> str:
        """Absolute URL of a site-relative path (``""`` is the home page)."""
        return self.base_url + path.lstrip("/")

    # -- request handling -------------------------------------------------------------------

    def _gzipped(self, path: Path, data: bytes) -> bytes:
        with self._lock:
            if path not in self._gzip_cache:
                self._gzip_cache[path] = gzip.compress(data, compresslevel=6, mtime=0)
            return self._gzip_cache[path]

    def _send(
        self,
        handler: SimpleHTTPRequestHandler,
        status: int,
        body: bytes,
        kind: str,
        *,
        head: bool,
        key: Path | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        accepts_gzip = "gzip" in handler.headers.get("Accept-Encoding", "")
        encoded = accepts_gzip and compressible(kind) and len(body) > 0
        if encoded:
            body = self._gzipped(key, body) if key else gzip.compress(body, mtime=0)
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        if encoded:
            handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Vary", "Accept-Encoding")
        handler.send_header("Cache-Control", "max-age=600")  # what Pages sends
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        if not head:
            handler.wfile.write(body)

    def _respond(self, handler: SimpleHTTPRequestHandler, *, head: bool) -> None:
        raw_path = urlsplit(handler.path).path
        path = unquote(raw_path)
        if not path.startswith(self.prefix):
            if path == self.prefix.rstrip("/"):
                self._redirect(handler, self.prefix, head=head)
                return
            body = b"<!doctype html><title>404</title><p>Not a page of this site."
            self._send(handler, 404, body, "text/html; charset=utf-8", head=head)
            return
        relative = path[len(self.prefix) :]
        target = (self.site / relative).resolve()
        if target != self.site and self.site not in target.parents:
            self._send(handler, 403, b"forbidden", "text/plain", head=head)
            return
        if target.is_dir():
            if relative and not relative.endswith("/"):
                query = urlsplit(handler.path).query
                self._redirect(handler, raw_path + "/" + (f"?{query}" if query else ""), head=head)
                return
            target = target / "index.html"
        if target.is_file():
            data = target.read_bytes()
            self._send(handler, 200, data, content_type(target), head=head, key=target)
            return
        not_found = self.site / "404.html"
        body = not_found.read_bytes() if not_found.exists() else b"Not found"
        self._send(handler, 404, body, "text/html; charset=utf-8", head=head, key=not_found)

    def _redirect(self, handler: SimpleHTTPRequestHandler, location: str, *, head: bool) -> None:
        self._send(
            handler,
            HTTPStatus.MOVED_PERMANENTLY,
            b"",
            "text/html; charset=utf-8",
            head=head,
            headers={"Location": location},
        )


# --------------------------------------------------------------------------------------------
# Chromium, and a tab that records what a page does

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Several tabs stay open (one per server, one per search language): do not slow down the
    # ones in the background.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Material fetches sitemap.xml next to each alternate-language link of a page (to map the page
# to its translation); the folders of pages have none, so these probes get a 404. Harmless: the
# switcher then follows the link itself. They are the only failed requests a page may make.
HARMLESS_404_SUFFIX = "/sitemap.xml"

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

    page: str
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
        "other = Material's sitemap.xml probes for the language switcher (404s, harmless).",
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
        pages = [urlsplit(url)._replace(query="", fragment="").geturl() for url in urls]
        return list(dict.fromkeys(pages))

    def screenshot(self, path: Path) -> None:
        """The whole page as a JPEG (a tall page as PNG takes seconds on 2 cores)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=path.with_suffix(".jpg"), full_page=True, quality=80)

    def close(self) -> None:
        self.page.close()

    # -- findings ----------------------------------------------------------------------------

    def is_local(self, url: str) -> bool:
        scheme = urlsplit(url).scheme
        return scheme in {"data", "blob", "about"} or url.startswith(self.server.origin + "/")

    def problems(self, *, expected_404: str | None = None) -> list[str]:
        """Console errors, failed requests and requests to other hosts, minus the harmless."""

        def harmless(url: str) -> bool:
            return urlsplit(url).path.endswith(HARMLESS_404_SUFFIX) or url == expected_404

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

    def weight(self, page: str) -> Weight:
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
        return Weight(page, by_kind, count)


def count_formulas_in_html(html_file: Path) -> int:
    """Formulas arithmatex left in a built page (inline spans and display divs)."""
    return len(re.findall(r'<(?:span|div) class="arithmatex"', html_file.read_text("utf-8")))
