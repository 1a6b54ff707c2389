"""MkDocs hook: pages marked ``status: draft`` are flagged on the home page's question table.

The one source of truth is a page's front matter (``status: draft`` in both language files).
Material already shows it in the nav (``extra.status`` gives the label, per language in
mkdocs.yml; the chip's look is in extra.css). This hook adds the same label after every link
to such a page inside a table of the home page. A page that loses the mark loses both flags at
the next build; nothing else needs editing. Checked by tests/browser/test_reader.py.
"""

from __future__ import annotations

import html
import posixpath
import re

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

# The URLs of the draft pages of the current build pass, by status (filled in on_env, when
# every page of the pass has been read).
_status_by_url: dict[str, str] = {}

TABLE = re.compile(r"<table>.*?</table>", re.DOTALL)
LINK = re.compile(r'<a href="(?P<href>[^"#:]*)"(?P<attrs>[^>]*)>(?P<text>.*?)</a>', re.DOTALL)


def on_env(env: object, config: MkDocsConfig, files: Files) -> object:
    _status_by_url.clear()
    for file in files.documentation_pages():
        page = file.page
        status = page.meta.get("status") if page is not None else None
        if status:
            _status_by_url[page.url] = str(status)
    return env


def status_label(config: MkDocsConfig, status: str) -> str:
    labels = config.extra.get("status") or {}
    return str(labels.get(status, status))


def mark_links(table_html: str, page_url: str, config: MkDocsConfig) -> str:
    """Append a status chip to each link of ``table_html`` that leads to a page with a status."""

    def mark(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(page_url or ".", match["href"])) + "/"
        target = target.removeprefix("./")
        status = _status_by_url.get(target)
        if not status:
            return match.group(0)
        label = html.escape(status_label(config, status))
        return (
            f'{match.group(0)} <span class="dl-status dl-status--{html.escape(status)}">'
            f"{label}</span>"
        )

    return LINK.sub(mark, table_html)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    is_home = page.file.src_uri.split(".", 1)[0] == "index"  # index.md, index.zh.md
    if not is_home or not _status_by_url:
        return output
    return TABLE.sub(lambda m: mark_links(m.group(0), page.url, config), output)
