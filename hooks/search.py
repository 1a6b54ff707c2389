"""MkDocs hook: one search index per language.

Material writes one index for both languages: results mix English and Chinese pages. After the
last language pass, the index is split so that ``search/search_index.json`` holds the default
language's pages and ``<lang>/search/search_index.json`` each other language's. Pages of another
language load theirs: their ``base`` in Material's ``__config`` (used only to find the index and
resolve its results) is rewritten to point inside ``<lang>/``.

The languages are the i18n block of ``mkdocs.yml`` (``_shared.languages``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from _shared import languages, site_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

BASE_RE = re.compile(r'("base":\s*")([^"]*)(")')


def site_languages(config: MkDocsConfig) -> tuple[str, ...]:
    return languages(site_config(config.config_file_path))


def language_of(location: str, langs: tuple[str, ...]) -> str:
    """The language of an index entry, from its location (``zh/batch-norm/`` -> ``zh``)."""
    first = location.split("/", 1)[0]
    return first if first in langs[1:] else langs[0]


def point_base_at_language(output: str, lang: str) -> str:
    """Rewrite the ``base`` of Material's ``__config`` to the language's folder."""

    def to_language_root(match: re.Match[str]) -> str:
        base = match.group(2).rstrip("/") or "."
        # The trailing slash matters: Material resolves "search/search_index.json" and the
        # search results against this base; without it they resolve next to "zh", not in it.
        return f"{match.group(1)}{base}/{lang}/{match.group(3)}"

    return BASE_RE.sub(to_language_root, output, count=1)


@event_priority(-200)
def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    langs = site_languages(config)
    lang = getattr(page.file, "locale", langs[0])
    return output if lang == langs[0] else point_base_at_language(output, lang)


def split_index(index: dict, langs: tuple[str, ...]) -> dict[str, dict]:
    """Material's index as one index per language, locations relative to that language's base."""
    parts = {}
    for lang in langs:
        docs = [d for d in index["docs"] if language_of(d["location"], langs) == lang]
        if lang != langs[0]:
            docs = [{**d, "location": d["location"].removeprefix(f"{lang}/")} for d in docs]
        parts[lang] = {**index, "docs": docs, "config": {**index["config"], "lang": [lang]}}
    return parts


@event_priority(-200)  # after mkdocs-static-i18n merged every language's entries
def on_post_build(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    index_path = site / "search" / "search_index.json"
    if not index_path.exists():
        return
    langs = site_languages(config)
    index = json.loads(index_path.read_text(encoding="utf-8"))
    for lang, part in split_index(index, langs).items():
        out = site / ("" if lang == langs[0] else lang) / "search" / "search_index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(part, ensure_ascii=False, separators=(",", ":")), "utf-8")
