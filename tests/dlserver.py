"""A static host that behaves like GitHub Pages, for the browser tests (no browser needed).

:class:`SiteServer` is the standard library's ``SimpleHTTPRequestHandler(directory=site)``
with what Pages does differently: the site lives under a prefix (``/`` or a project path such
as ``/dlnotes/``; outside it every path is a bare 404, on Pages that is another site), text is
gzip-compressed when the client accepts it (so the bytes a browser counts are close to what
Pages transfers), and a missing path gets the site's root ``404.html`` with status 404.
``/a/b`` where ``b`` is a folder redirects (301) to ``/a/b/`` as in the standard handler.
"""

from __future__ import annotations

import gzip
import io
import sys
import threading
from functools import lru_cache, partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

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
NOT_THIS_SITE = b"<!doctype html><title>404</title><p>Not a page of this site."


def compressible(kind: str) -> bool:
    return kind.startswith(COMPRESSIBLE) or kind.startswith("image/svg+xml")


@lru_cache(maxsize=512)
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class PagesHandler(SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` serving ``directory`` under ``prefix``, as Pages does."""

    protocol_version = "HTTP/1.1"
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        **EXTRA_TYPES,
    }

    def __init__(self, *args: object, prefix: str, **kwargs: object) -> None:
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: failures are reported by the tests

    def guess_type(self, path: str | Path) -> str:
        kind = super().guess_type(path)
        return f"{kind}; charset=utf-8" if compressible(kind) and "charset" not in kind else kind

    def translate_path(self, path: str) -> str:
        # The prefix is ASCII ("/dlnotes/"): the raw path starts with it when the decoded one does.
        return super().translate_path("/" + path.removeprefix(self.prefix))

    def send_head(self) -> io.BytesIO | None:
        path = unquote(urlsplit(self.path).path)
        if not path.startswith(self.prefix):
            if path == self.prefix.rstrip("/"):
                return self._reply(301, b"", "text/html", location=self.prefix)
            return self._reply(404, NOT_THIS_SITE, "text/html; charset=utf-8")
        target = Path(self.translate_path(self.path))
        if target.is_dir() and not path.endswith("/"):
            return super().send_head()  # 301 to the folder's URL with a slash
        if target.is_dir():
            target /= "index.html"
        if target.is_file():
            return self._reply(200, target, self.guess_type(target))
        not_found = Path(self.directory) / "404.html"
        if not_found.is_file():
            return self._reply(404, not_found, "text/html; charset=utf-8")
        return self._reply(404, b"Not found", "text/plain")

    def _reply(
        self, status: int, body: bytes | Path, kind: str, location: str | None = None
    ) -> io.BytesIO:
        gzipped = compressible(kind) and "gzip" in self.headers.get("Accept-Encoding", "")
        if isinstance(body, Path):
            data = _gzipped(body, body.stat().st_mtime_ns) if gzipped else body.read_bytes()
        else:
            data = gzip.compress(body, mtime=0) if gzipped and body else body
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        if gzipped and data:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "max-age=600")  # what Pages sends
        if location:
            self.send_header("Location", location)
        self.end_headers()
        return io.BytesIO(data)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A browser that navigates away drops connections mid-response: not a server error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """Serve ``site`` on 127.0.0.1 (a free port) at ``prefix``, in a thread, as a context."""

    def __init__(self, site: Path, prefix: str = "/") -> None:
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError(f"prefix must start and end with '/': {prefix!r}")
        self.site = site.resolve()
        self.prefix = prefix
        handler = partial(PagesHandler, directory=str(self.site), prefix=prefix)
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
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
