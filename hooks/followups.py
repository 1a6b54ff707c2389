"""MkDocs hook: the "All follow-up questions" page, a review sheet that needs no upkeep.

The ``<!-- follow-up-questions -->`` marker of ``docs/followups.<lang>.md`` becomes every
``??? question "..."`` block of the question pages (the nav's "Questions" section, in nav
order), grouped by question page, each still a collapsed question with its answer, followed by a
link back to its section (the nearest heading above it, by its explicit ``{ #id }``) on its page.
Links to the question page's own headings (``#ref-x``) are pointed at that page.

The Drill page (front matter ``drill: true``, docs/drill.<lang>.md) holds the same marker and
gets the same sheet, each follow-up wrapped in a ``<div class="dl-card">`` that carries its card
id and its question page; docs/assets/javascripts/drill.js turns the sheet into one card at a
time, and without JavaScript the sheet is what the reader sees. A card id is the question page,
the id of the heading the follow-up sits under and its position under that heading
(``batch-norm/follow-ups/3``): the same in every language (parity keeps the heading ids), and
unchanged by edits anywhere but the follow-up list itself.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from html import escape
from pathlib import Path

from _language import page_language
from _markdown import fenced_blocks
from _shared import ROOT, languages, nav_titles, section_pages, site_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MARKER = "<!-- follow-up-questions -->"
DOCS = ROOT / "docs"
QUESTION = re.compile(
    r'^(?P<indent>[ \t]*)\?\?\?\+?[ \t]+question[ \t]+"(?P<title>[^"\n]*)"[ \t]*$'
)
HEADING = re.compile(r"^#{2,6}[ \t]+(?P<title>.*?)[ \t]*\{[ \t]*#(?P<id>[\w-]+)[^}]*\}[ \t]*$")
SAME_PAGE_LINK = re.compile(r"\]\(#")
LABELS = {
    "en": {"back": "Back to “{section}”", "none": "No follow-up questions on this page yet."},
    "zh": {"back": "回到「{section}」", "none": "本题暂无追问。"},
}


@dataclass(frozen=True)
class FollowUp:
    question: str
    answer: str  # Markdown, dedented, same-page links pointed at the page
    section: str  # title of the nearest heading above the question
    anchor: str  # its id


def follow_ups(text: str, page: str) -> list[FollowUp]:
    """The ``??? question`` blocks of one page's Markdown, in order (code is skipped)."""
    in_code = set()
    for fence in fenced_blocks(text):
        first = text.count("\n", 0, fence.start)
        in_code.update(range(first, first + fence.text.count("\n") + 1))
    lines = text.split("\n")
    found, section, anchor = [], "", ""
    i = 0
    while i < len(lines):
        if i in in_code:
            i += 1
            continue
        if heading := HEADING.match(lines[i]):
            section, anchor = heading["title"], heading["id"]
        question = QUESTION.match(lines[i])
        i += 1
        if not question:
            continue
        indent = len(question["indent"]) + 4
        body = []
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= indent):
            body.append(lines[i])
            i += 1
        answer = textwrap.dedent("\n".join(body)).strip("\n")
        answer = SAME_PAGE_LINK.sub(f"]({page}#", answer)
        found.append(FollowUp(question["title"], answer, section, anchor))
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def card_ids(items: list[FollowUp], page: str) -> list[str]:
    """Each follow-up's card id: ``<page>/<heading id>/<n>``, ``n`` counting from 1 under that
    heading (``top`` for a follow-up above every heading with an id): two follow-ups under
    ``{ #follow-ups }`` of batch-norm are ``batch-norm/follow-ups/1`` and ``.../2``.
    """
    seen: dict[str, int] = {}
    ids = []
    for item in items:
        anchor = item.anchor or "top"
        seen[anchor] = seen.get(anchor, 0) + 1
        ids.append(f"{page}/{anchor}/{seen[anchor]}")
    return ids


def drill_markdown(
    lang: str,
    default: str,
    docs: Path = DOCS,
    config: dict | None = None,
    *,
    cards: bool = False,
) -> str:
    """The generated part of the follow-up page in ``lang`` (of the Drill page if ``cards``)."""
    config = config or site_config()
    titles = nav_titles(config)
    labels = LABELS[lang]
    out = []
    for page in section_pages("Questions", config):
        name = page.removesuffix(".md")
        source = docs / f"{name}.{lang}.md"
        if not source.exists():
            raise PluginError(f"follow-up questions: {source} is missing")
        out.append(f"## {titles[page][lang]} {{ #{name} }}\n")
        items = follow_ups(source.read_text(encoding="utf-8"), page)
        if not items:
            out.append(f"{labels['none']}\n")
        for item, card in zip(items, card_ids(items, name), strict=True):
            back = f"[{labels['back'].format(section=item.section)}]({page}#{item.anchor})"
            body = textwrap.indent(f"{item.answer}\n\n{back}", "    ")
            block = f'??? question "{item.question}"\n\n{body}\n'
            if cards:
                title = escape(titles[page][lang])
                block = (
                    f'<div class="dl-card" data-card="{card}" data-question="{name}" '
                    f'data-title="{title}" markdown>\n\n{block}\n</div>\n'
                )
            out.append(block)
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    data = site_config(config.config_file_path)
    langs = languages(data)
    lang = page_language(page, config)
    sheet = drill_markdown(
        lang, langs[0], Path(config.docs_dir), data, cards=bool(page.meta.get("drill"))
    )
    return markdown.replace(MARKER, sheet)
