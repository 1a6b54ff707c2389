"""MkDocs hook: no ``<link rel="alternate" hreflang>`` in page heads (the sitemap has them).

Material's language-switch integration fetches ``sitemap.xml`` next to every
``<link rel="alternate">`` of a page, expecting each to be a language's root. mkdocs-static-i18n
points them at the page's twin (``../zh/batch-norm/``), so every page requested
``<page>/sitemap.xml`` for both languages: two 404 responses and two console errors per page,
and the switcher then fell back to its plain link. The language menu's links stay (they lead
to the twin page; docs/assets/javascripts/reader.js adds the section's #anchor on click), and
search engines still get every page's language pairs from the root sitemap.xml, which
mkdocs-static-i18n writes with ``xhtml:link rel="alternate" hreflang`` entries.
Checked by tests/browser/test_reader.py (no 4xx response, no console error, on every page).
"""

from __future__ import annotations

import re

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

HREFLANG_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


def drop_hreflang_links(output: str) -> str:
    head_end = output.find("</head>")
    if head_end < 0:
        return output
    return HREFLANG_LINK.sub("", output[:head_end]) + output[head_end:]


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return drop_hreflang_links(output)
