"""MkDocs hook: root-absolute links into the site become page-relative.

mkdocs-static-i18n writes the home pages' language-switcher links as absolute paths built
from site_url (``/dlnotes/zh/``); they break wherever the site is not served under that exact
prefix (a local server, a fork's Pages site). The links are in the page the theme's template
rendered, so ``on_post_page`` (which receives that output) sees them whatever the order of
the plugins' handlers.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

ABSOLUTE_HREF_RE = re.compile(r'(href=")(/[^"]*)(")')


def relative_url(target: str, page_url: str) -> str:
    """``target`` (a path from the site root) relative to the page at ``page_url``.

    >>> relative_url("", "zh/batch-norm/"), relative_url("zh/", "zh/batch-norm/")
    ('../../', '../')
    >>> relative_url("assets/x.css", "404.html"), relative_url("zh/", "")
    ('assets/x.css', 'zh/')
    """
    folder = page_url if page_url.endswith("/") else posixpath.dirname(page_url)
    rel = posixpath.relpath(target or ".", folder or ".")
    if rel == ".":
        return "./"
    return rel + "/" if target == "" or target.endswith("/") else rel


def relative_site_links(output: str, page: Page, config: MkDocsConfig) -> str:
    """Make root-absolute links into the site (e.g. ``/dlnotes/zh/``) page-relative."""
    prefix = urlsplit(config.site_url or "/").path.rstrip("/") + "/"

    def relative(match: re.Match[str]) -> str:
        target = match.group(2)
        if not target.startswith(prefix):
            return match.group(0)
        rel = relative_url(target.removeprefix(prefix), page.url or "")
        return f"{match.group(1)}{rel}{match.group(3)}"

    return ABSOLUTE_HREF_RE.sub(relative, output)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return relative_site_links(output, page, config)
