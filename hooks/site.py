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
- Chinese soft line breaks: a newline between two CJK characters would render as a space
  (a Chinese paragraph has none); on Chinese pages such newlines are removed outside code.
- ``DLNOTES_CACHE`` is set for notebook kernels and figure runs so each experiment runs once per
  version of its code (see ``dlnotes.experiments.cached``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

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


CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
# A line break (plus the next line's indentation) between two CJK characters.
CJK_BREAK = re.compile(f"(?<=[{CJK}])\n[ \t]*(?=[{CJK}])")
FENCED = re.compile(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2[ \t]*$", re.MULTILINE | re.DOTALL)


def join_cjk_lines(markdown: str) -> str:
    r"""Remove soft line breaks between CJK characters, leaving fenced code untouched.

    Examples:
        >>> join_cjk_lines("第一行\n第二行\n\n新段落")
        '第一行第二行\n\n新段落'
        >>> join_cjk_lines("    缩进的\n    续行")
        '    缩进的续行'
    """
    out, last = [], 0
    for code in FENCED.finditer(markdown):
        out += [CJK_BREAK.sub("", markdown[last : code.start()]), code.group(0)]
        last = code.end()
    out.append(CJK_BREAK.sub("", markdown[last:]))
    return "".join(out)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    lang = getattr(page.file, "locale", "en")
    if lang == "zh":
        markdown = join_cjk_lines(markdown)
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, glossary_table(load_glossary(), lang))
    return markdown


BASE_RE = re.compile(r'("base":\s*")([^"]*)(")')


ABSOLUTE_HREF_RE = re.compile(r'(href=")(/[^"]*)(")')


def relative_site_links(output: str, page: Page, config: MkDocsConfig) -> str:
    """Make root-absolute links into the site (e.g. ``/dlnotes/zh/``) page-relative.

    mkdocs-static-i18n writes the home pages' language-switcher links as absolute paths built
    from site_url; they break wherever the site is not served under that exact prefix.
    """
    prefix = urlsplit(config.site_url or "/").path.rstrip("/") + "/"

    def relative(match: re.Match[str]) -> str:
        target = match.group(2)
        if not target.startswith(prefix):
            return match.group(0)
        rel = get_relative_url(target.removeprefix(prefix) or ".", page.url or ".")
        rel = rel if rel.endswith("/") or not target.endswith("/") else rel + "/"
        return f"{match.group(1)}{rel}{match.group(3)}"

    return ABSOLUTE_HREF_RE.sub(relative, output)


@event_priority(-200)
def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    output = relative_site_links(output, page, config)
    lang = getattr(page.file, "locale", LANGUAGES[0])
    if lang == LANGUAGES[0]:
        return output

    def to_language_root(match: re.Match[str]) -> str:
        base = match.group(2).rstrip("/") or "."
        # The trailing slash matters: Material resolves "search/search_index.json" and the
        # search results against this base; without it they resolve next to "zh", not in it.
        return f"{match.group(1)}{base}/{lang}/{match.group(3)}"

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
