"""MkDocs hook: the site's own build steps.

- Glossary: ``docs/glossary.yml`` is the one list of interview terms. It is rendered as the
  table of the glossary page in each language (``<!-- glossary-table -->``) and written as
  jieba's user dictionary before Material's search plugin loads it, so the Chinese search index
  keeps terms such as 批量归一化 or 汇聚 whole.
- Search per language: Material writes one index for both languages. After the last language
  pass, we split it so that ``search/search_index.json`` holds the English pages and
  ``zh/search/search_index.json`` the Chinese ones; Chinese pages load the latter: their
  ``base`` in Material's ``__config`` (used only to find the index and resolve its results)
  is rewritten to point at ``zh/``.
- ``DLNOTES_CACHE`` is set for notebook kernels and figure runs so each experiment runs once per
  version of its code (see ``dlnotes.experiments.cached``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.yml"
MARKER = "<!-- glossary-table -->"
LANGUAGES = ("en", "zh")

os.environ.setdefault("DLNOTES_CACHE", str(ROOT / ".cache" / "experiments"))


def load_glossary() -> list[dict[str, Any]]:
    """The glossary entries, in page order."""
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


def jieba_words(entries: list[dict[str, Any]]) -> list[str]:
    """Every Chinese term and synonym, longest first, without duplicates."""
    words = {w for e in entries for w in [e["zh"], *e.get("zh_synonyms", [])]}
    return sorted(words, key=lambda w: (-len(w), w))


def glossary_table(entries: list[dict[str, Any]], lang: str) -> str:
    """The glossary as a Markdown table in one language."""
    if lang == "zh":
        head = "| 中文 | English | 同义词 / 也搜 | 详见 |\n|---|---|---|---|"
    else:
        head = "| English | 中文 | Also searched as | See |\n|---|---|---|---|"
    rows = []
    for e in entries:
        synonyms = [*e.get("zh_synonyms", []), *e.get("en_synonyms", [])]
        link = f"[{e['page_title'][lang]}]({e['page']})" if e.get("page") else ""
        first, second = (e["zh"], e["en"]) if lang == "zh" else (e["en"], e["zh"])
        anchor = f'<span id="{e["id"]}"></span>'
        rows.append(f"| {anchor}**{first}** | {second} | {'、'.join(synonyms)} | {link} |")
    return "\n".join([head, *rows])


@event_priority(100)  # before Material's search plugin reads jieba_dict_user in its on_config
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    path = Path(config.plugins["material/search"].config.jieba_dict_user)
    path = path if path.is_absolute() else ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{word}\n" for word in jieba_words(load_glossary()))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    lang = getattr(page.file, "locale", "en")
    return markdown.replace(MARKER, glossary_table(load_glossary(), lang))


BASE_RE = re.compile(r'("base":\s*")([^"]*)(")')


@event_priority(-200)
def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    lang = getattr(page.file, "locale", LANGUAGES[0])
    if lang == LANGUAGES[0]:
        return output

    def to_language_root(match: re.Match[str]) -> str:
        base = match.group(2).rstrip("/") or "."
        return f"{match.group(1)}{base}/{lang}{match.group(3)}"

    return BASE_RE.sub(to_language_root, output, count=1)


def _language_of(location: str) -> str:
    first = location.split("/", 1)[0]
    return first if first in LANGUAGES[1:] else LANGUAGES[0]


@event_priority(-200)  # after mkdocs-static-i18n merged every language's entries
def on_post_build(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    index_path = site / "search" / "search_index.json"
    if not index_path.exists():
        return
    index = json.loads(index_path.read_text(encoding="utf-8"))
    for lang in LANGUAGES:
        docs = [d for d in index["docs"] if _language_of(d["location"]) == lang]
        if lang != LANGUAGES[0]:
            # Locations are relative to the index's own base, which is zh/ for Chinese pages.
            docs = [{**d, "location": d["location"].removeprefix(f"{lang}/")} for d in docs]
        part = {**index, "docs": docs, "config": {**index["config"], "lang": [lang]}}
        out = site / ("" if lang == LANGUAGES[0] else lang) / "search" / "search_index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(part, ensure_ascii=False, separators=(",", ":")), "utf-8")
