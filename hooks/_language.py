"""The language of a page, from its URL (not a hook: mkdocs.yml does not list it).

mkdocs-static-i18n documents its output layout: the default language at the site root, every
other language under ``<locale>/`` (https://ultrabug.github.io/mkdocs-static-i18n/, "one version
per configured language on the <language>/ path"). A page's language is therefore the first
part of its URL when that names a non-default language of mkdocs.yml's i18n block, and the
default language otherwise. The hooks read it here instead of the ``locale`` attribute that
the plugin sets on its File objects, which it does not document.
"""

from __future__ import annotations

from typing import Any

from _shared import languages, site_config


def url_language(url: str, langs: tuple[str, ...]) -> str:
    """The language of a page or index entry at ``url`` (relative to the site root).

    >>> url_language("zh/batch-norm/", ("en", "zh"))
    'zh'
    >>> url_language("batch-norm/", ("en", "zh")), url_language("", ("en", "zh"))
    ('en', 'en')
    """
    first = url.lstrip("/").split("/", 1)[0]
    return first if first in langs[1:] else langs[0]


def site_languages(config: Any) -> tuple[str, ...]:
    """The site's languages, default first, from the mkdocs.yml being built."""
    path = getattr(config, "config_file_path", None)
    return languages(site_config(path)) if path else languages()


def page_language(page: Any, config: Any) -> str:
    """The language of ``page`` (an MkDocs page) in the site being built."""
    return url_language(page.url or "", site_languages(config))
