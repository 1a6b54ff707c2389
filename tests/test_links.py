"""Link check over the built site (no browser): every internal link and asset resolves.

For every HTML page, in both languages: each internal ``href``/``src`` points at a file of the
site (a folder means its index.html) and each ``#fragment`` at an id of the target page. Root-
absolute paths are resolved as deployed, under site_url's path (``/dlnotes/``). Links to other
hosts (http, https, mailto...) are not fetched. Stylesheets are checked the same way for their
``url(...)`` references (KaTeX's fonts). The checker itself is tested on a small broken site.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from dlpages import LANGUAGES, site_prefix

LINK_ATTRIBUTES = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src",),
    "script": ("src",),
    "iframe": ("src",),
    "source": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "track": ("src",),
}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
SITE_HOST = "site.invalid"  # stands for the deployed host while resolving relative URLs


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):  # old-style anchors
            self.ids.add(values["name"])
        for attribute in LINK_ATTRIBUTES.get(tag, ()):
            if values.get(attribute) is not None:
                self.links.append(values[attribute].strip())


def page_url(site: Path, file: Path, prefix: str) -> str:
    """The deployed URL of a built file: ``a/index.html`` is served as ``a/``."""
    relative = file.relative_to(site).as_posix()
    if relative == "index.html" or relative.endswith("/index.html"):
        relative = relative.removesuffix("index.html")
    return f"https://{SITE_HOST}{prefix}{relative}"


def is_external(link: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link)) or link.startswith("//")


def target_file(site: Path, url: str, prefix: str) -> Path | None:
    """The file a resolved URL is served from, or None when it is outside the site."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    target = site / relative
    return (
        target / "index.html"
        if relative in ("", ".") or path.endswith("/") or target.is_dir()
        else target
    )


def check_site(site: Path, prefix: str = "/") -> list[str]:
    """Every broken internal link of a built site, as ``page: link (reason)`` lines."""
    pages: dict[Path, _Page] = {}
    for file in sorted(site.rglob("*.html")):
        parser = _Page()
        parser.feed(file.read_text(encoding="utf-8"))
        pages[file.resolve()] = parser

    problems = []
    for file, parsed in pages.items():
        base = page_url(site, file, prefix)
        for link in parsed.links:
            if not link or is_external(link) or link.startswith("data:"):
                continue
            url = urljoin(base, link)
            fragment = unquote(urlsplit(url).fragment)
            target = target_file(site, url, prefix)
            where = f"{file.relative_to(site)}: {link}"
            if target is None:
                problems.append(f"{where} (outside the site's {prefix})")
            elif not target.is_file():
                problems.append(f"{where} (no file {target.relative_to(site)})")
            elif fragment and target.suffix == ".html":
                ids = pages.get(target.resolve())
                if ids is None or fragment not in ids.ids:
                    problems.append(f"{where} (no id {fragment!r} in {target.relative_to(site)})")
    return problems


def check_stylesheets(site: Path) -> list[str]:
    """Every ``url(...)`` of the site's own stylesheets that points at a missing file."""
    problems = []
    for css in sorted(site.rglob("*.css")):
        for _, ref in CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if is_external(ref) or ref.startswith(("data:", "#")):
                continue
            target = (css.parent / unquote(ref.split("#")[0].split("?")[0])).resolve()
            if not target.is_file():
                problems.append(f"{css.relative_to(site)}: url({ref})")
    return problems


def pages_by_language(site: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = defaultdict(list)
    for file in site.rglob("index.html"):
        if "assets" not in file.relative_to(site).parts:
            first = file.relative_to(site).parts[0]
            found[first if first in LANGUAGES[1:] else LANGUAGES[0]].append(file)
    return found


def language_of(problem: str) -> str:
    first = problem.split("/", 1)[0]
    return first if first in LANGUAGES[1:] else LANGUAGES[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_internal_links_resolve(site_dir: Path, lang: str) -> None:
    pages = pages_by_language(site_dir)[lang]
    assert len(pages) > 3, f"only {len(pages)} {lang} pages found in {site_dir}"
    problems = check_site(site_dir, site_prefix())
    in_language = [p for p in problems if language_of(p) == lang]
    assert not in_language, f"{len(in_language)} broken links:\n" + "\n".join(in_language[:40])


def test_stylesheet_references_resolve(site_dir: Path) -> None:
    problems = check_stylesheets(site_dir)
    assert not problems, "\n".join(problems[:40])


def test_checker_finds_broken_links(tmp_path: Path) -> None:
    """The checker catches a missing page, a missing asset, a missing fragment, a way out."""
    (tmp_path / "a").mkdir()
    (tmp_path / "zh" / "a").mkdir(parents=True)
    (tmp_path / "a" / "index.html").write_text('<h2 id="ok">A</h2><a name="old"></a>')
    (tmp_path / "zh" / "a" / "index.html").write_text(
        '<a href="../../a/#ok">ok</a><a href="../../a/#nope">bad fragment</a>'
    )
    (tmp_path / "style.css").write_text("@font-face{src:url(fonts/x.woff2)} a{x:url('ok.svg')}")
    (tmp_path / "ok.svg").write_text("<svg/>")
    (tmp_path / "index.html").write_text(
        '<link rel="stylesheet" href="style.css">'
        '<a href="a/">ok</a> <a href="a">ok, redirected</a> <a href="a/#ok">ok</a>'
        '<a href="a/#old">ok, a name</a> <a href="#top">bad, same page</a>'
        '<a href="b/">missing page</a> <a href="a/#missing">missing fragment</a>'
        '<img src="assets/figures/missing.svg"> <link rel="icon" href="/site/ok.svg">'
        '<a href="/elsewhere/">outside</a> <a href="https://example.org/x">external</a>'
        '<a href="mailto:x@example.org">mail</a> <img src="data:image/png;base64,AA==">'
        '<p id="top-not"></p>'
    )
    problems = check_site(tmp_path, "/site/")
    assert sorted(problems) == sorted(
        [
            "index.html: #top (no id 'top' in index.html)",
            "index.html: b/ (no file b/index.html)",  # a folder that does not exist
            "index.html: a/#missing (no id 'missing' in a/index.html)",
            "index.html: assets/figures/missing.svg (no file assets/figures/missing.svg)",
            "index.html: /elsewhere/ (outside the site's /site/)",
            "zh/a/index.html: ../../a/#nope (no id 'nope' in a/index.html)",
        ]
    )
    assert check_stylesheets(tmp_path) == ["style.css: url(fonts/x.woff2)"]
