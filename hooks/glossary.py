"""MkDocs hook: the glossary, one list (``docs/glossary.yml``) feeding two things.

- The table of the glossary page in each language (the ``<!-- glossary-table -->`` marker).
- jieba's user dictionary (the ``jieba_dict_user`` option of the search plugin in mkdocs.yml),
  so the Chinese search index keeps interview terms such as 滑动统计量 or 汇聚 whole. It is
  written in ``on_startup``, MkDocs' first event, before any build (and so any plugin's
  ``on_config``) begins: no reliance on the order in which plugins read their settings.
  Under ``mkdocs serve`` a glossary edit reaches the dictionary at the next start.

The dictionary avoids a trap: jieba keeps a dictionary word as one token, and in the browser a
query is matched against the index's tokens, so a term added whole hides the terms inside it
(with 学习率预热 one token, 预热 finds nothing). A term that contains another glossary term is
therefore left to jieba, which splits it at the shorter term (学习率 + 预热); the whole term is
still found, as the sequence of its parts. Words with Latin letters or spaces (Nesterov 动量)
are not dictionary words (jieba's format is space-separated), nor are single characters.
"""

from __future__ import annotations

import copy
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from _language import page_language
from _shared import ROOT, nav_titles, site_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

GLOSSARY = ROOT / "docs" / "glossary.yml"
MARKER = "<!-- glossary-table -->"
SEE_ALSO = {"en": "See also: ", "zh": "相关："}
# Before an entry's keywords in the table: near-terms that are not synonyms.
ALSO_SEARCHED = {"en": "Also searched (not synonyms):", "zh": "也可搜（非同义词）："}


def load_glossary() -> list[dict[str, Any]]:
    """The glossary entries, in page order (a fresh copy; the file is parsed once per version)."""
    return copy.deepcopy(_parse_glossary(GLOSSARY.stat().st_mtime_ns))


@lru_cache(maxsize=2)
def _parse_glossary(mtime_ns: int) -> list[dict[str, Any]]:
    # libyaml's parser when PyYAML has it: the pure-Python one took 0.15 s per read.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(GLOSSARY.read_text(encoding="utf-8"), Loader=loader)


CJK_WORD = re.compile(r"[\u3400-\u9fff]{2,}")


def search_words(entry: dict[str, Any], lang: str) -> list[str]:
    """What a reader may search for to find ``entry`` in ``lang``: its head term, its
    synonyms, then its keywords (near-terms that are not synonyms).

    >>> search_words({"en": "pooling", "en_keywords": ["downsampling"], "zh": "池化"}, "en")
    ['pooling', 'downsampling']
    """
    return [entry[lang], *entry.get(f"{lang}_synonyms", []), *entry.get(f"{lang}_keywords", [])]


def chinese_terms(entries: list[dict[str, Any]]) -> list[str]:
    """Every Chinese head term, synonym and keyword, in glossary order, without duplicates."""
    return list(dict.fromkeys(w for e in entries for w in search_words(e, "zh")))


def jieba_words(entries: list[dict[str, Any]]) -> list[str]:
    """The user dictionary: Chinese terms that contain no other term, longest first.

    >>> jieba_words([{"zh": "学习率预热", "zh_synonyms": ["预热", "Nesterov 动量", "门"]}])
    ['预热']
    """
    words = {w for w in chinese_terms(entries) if CJK_WORD.fullmatch(w)}
    whole = {w for w in words if not any(other != w and other in w for other in words)}
    return sorted(whole, key=lambda w: (-len(w), w))


def glossary_table(
    entries: list[dict[str, Any]], lang: str, titles: dict[str, dict[str, str]] | None = None
) -> str:
    """The glossary as a Markdown table in one language.

    The third column lists the synonyms, then, after a line break and a label, the keywords:
    near-terms that search also finds but that name a different thing. The "See" column names
    each entry's page by its nav title (``titles``, from ``nav`` and
    the i18n ``nav_translations``: ``_shared.nav_titles``), so a title is written once.
    """
    titles = titles if titles is not None else nav_titles()
    by_id = {e["id"]: e for e in entries}
    if lang == "zh":
        head = "| 中文 | English | 同义词 | 详见 |\n|---|---|---|---|"
    else:
        head = "| English | 中文 | Synonyms | See |\n|---|---|---|---|"
    rows = []
    for e in entries:
        synonyms = "、".join([*e.get("zh_synonyms", []), *e.get("en_synonyms", [])])
        keywords = [*e.get("zh_keywords", []), *e.get("en_keywords", [])]
        if keywords:
            synonyms += (
                ("<br>" if synonyms else "") + f"*{ALSO_SEARCHED[lang]}* " + "、".join(keywords)
            )
        link = f"[{titles[e['page']][lang]}]({e['page']})" if e.get("page") else ""
        if e.get("related"):
            related = [f"[{by_id[r][lang]}](#{r})" for r in e["related"]]
            link += f"<br>{SEE_ALSO[lang]}" + ("、" if lang == "zh" else ", ").join(related)
        first, second = (e["zh"], e["en"]) if lang == "zh" else (e["en"], e["zh"])
        anchor = f'<span id="{e["id"]}"></span>'
        rows.append(f"| {anchor}**{first}** | {second} | {synonyms} | {link} |")
    return "\n".join([head, *rows])


def jieba_dict_user(config: dict[str, Any] | None = None) -> Path:
    """The ``jieba_dict_user`` file of the search plugin's block in mkdocs.yml (read as data)."""
    for plugin in (config or site_config()).get("plugins", []):
        if isinstance(plugin, dict) and "search" in plugin:
            path = Path(plugin["search"]["jieba_dict_user"])
            return path if path.is_absolute() else ROOT / path
    raise ValueError("mkdocs.yml: the search plugin has no jieba_dict_user")


def write_jieba_dict_user(path: Path | None = None) -> Path:
    """Write the user dictionary from the glossary (only when its text changes)."""
    path = path or jieba_dict_user()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{word}\n" for word in jieba_words(load_glossary()))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def on_startup(command: str, dirty: bool) -> None:
    write_jieba_dict_user()
    # jieba logs "Building prefix dict ... Loading model cost ..." to stderr at DEBUG level when
    # Material's search plugin first segments text: noise in the console, not a warning.
    # jieba.setLogLevel is its public switch; its warnings stay visible.
    import jieba

    jieba.setLogLevel(logging.WARNING)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER in markdown:
        lang = page_language(page, config)
        titles = nav_titles(site_config(config.config_file_path))
        markdown = markdown.replace(MARKER, glossary_table(load_glossary(), lang, titles))
    return markdown
