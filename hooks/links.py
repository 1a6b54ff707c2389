"""MkDocs hook: root-absolute links into the site become page-relative.

mkdocs-static-i18n writes the home pages' language-switcher links as absolute paths built
from site_url (``/dlnotes/zh/``); they break wherever the site is not served under that exact
prefix (a local server, a fork's Pages site).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

ABSOLUTE_HREF_RE = re.compile(r'(href=")(/[^"]*)(")')


def relative_site_links(output: str, page: Page, config: MkDocsConfig) -> str:
    """Make root-absolute links into the site (e.g. ``/dlnotes/zh/``) page-relative."""
    prefix = urlsplit(config.site_url or "/").path.rstrip("/") + "/"

    def relative(match: re.Match[str]) -> str:
        target = match.group(2)
        if not target.startswith(prefix):
            return match.group(0)
        rel = get_relative_url(target.removeprefix(prefix) or ".", page.url or ".")
        rel = rel if rel.endswith("/") or not target.endswith("/") else rel + "/"
        return f"{match.group(1)}{rel}{match.group(3)}"

    return ABSOLUTE_HREF_RE.sub(relative, output)


@event_priority(-200)  # after the i18n plugin and the theme wrote the page
def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return relative_site_links(output, page, config)
