"""The test server behaves like GitHub Pages (the browser tests rely on it)."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from dlserver import SiteServer


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, gzip_ok: bool = False) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<p>page a</p>")
    (tmp_path / "404.html").write_text("<p>custom 404</p>")
    (tmp_path / "x.svg").write_text("<svg/>")
    return tmp_path


@pytest.mark.parametrize("prefix", ["/", "/dlnotes/"])
def test_serves_like_pages(site: Path, prefix: str) -> None:
    with SiteServer(site, prefix) as server:
        status, headers, body = fetch(server.url("a/"))
        assert (status, body) == (200, b"<p>page a</p>")
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        status, headers, body = fetch(server.url("a/"), gzip_ok=True)
        assert headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == b"<p>page a</p>"
        assert fetch(server.url("x.svg"))[1]["Content-Type"] == "image/svg+xml; charset=utf-8"
        status, headers, _ = fetch(server.url("a") + "?q=1")
        assert (status, headers["Location"]) == (301, f"{prefix}a/?q=1")
        assert fetch(server.url("missing/"))[::2] == (404, b"<p>custom 404</p>")
        assert fetch(server.url("../../etc/passwd"))[0] == 404
        if prefix != "/":
            status, _, body = fetch(f"{server.origin}/elsewhere/")
            assert status == 404 and b"Not a page of this site" in body
            assert fetch(server.origin + prefix.rstrip("/"))[1]["Location"] == prefix
