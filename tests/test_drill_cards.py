"""The Drill page: built from the follow-up sheet's source, with stable card ids (no browser).

``hooks/followups.py`` gives each follow-up of the question pages a card id,
``<page>/<heading id>/<n>``, and wraps it in ``<div class="dl-card">`` on the pages marked
``drill: true``. These tests check that the ids are unique, the same in both languages and
unchanged by edits elsewhere on a page; that the built Drill page holds every follow-up (counted
here independently, with a plain search for the admonition line) with its id and its link back;
and that the scheduler is the vendored ts-fsrs, loaded on the Drill page only. The browser side
is tests/browser/test_drill.py.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES, ROOT, SitePage, mkdocs_config, nav_title, question_pages

followups = load_hook("followups")
QUESTION_LINE = re.compile(r'^[ \t]*\?\?\?\+?[ \t]+question[ \t]+"([^"]*)"', re.MULTILINE)
CARD = re.compile(
    r'<div class="dl-card" data-card="([^"]+)" data-question="([^"]+)" data-title="([^"]*)">'
    r'\s*<details class="question">\s*<summary>(.*?)</summary>(.*?)</details>\s*</div>',
    re.DOTALL,
)
VENDORED = DOCS / "assets" / "ts-fsrs"

PAGE = """# Page

## Mechanism { #mechanism }

??? question "Why?"

    Because.

## Follow-ups { #follow-ups }

??? question "First?"

    One.

??? question "Second?"

    Two.
"""


def ids(text: str, page: str = "q") -> list[str]:
    return followups.card_ids(followups.follow_ups(text, f"{page}.md"), page)


def test_card_ids_come_from_the_heading_and_the_position_under_it() -> None:
    assert ids(PAGE) == ["q/mechanism/1", "q/follow-ups/1", "q/follow-ups/2"]
    assert ids('??? question "Before any heading?"\n\n    Yes.\n') == ["q/top/1"]


@pytest.mark.parametrize(
    "edit",
    [
        # prose, a new section and a new follow-up in another section
        lambda t: t.replace("# Page\n", "# Page\n\nAn introduction.\n\n## New { #new }\n\nText.\n"),
        lambda t: t.replace("## Follow-ups", '??? question "Added?"\n\n    Yes.\n\n## Follow-ups'),
        # the question reworded, an answer rewritten, the heading retitled (its id kept)
        lambda t: t.replace("First?", "The first one, reworded?").replace("Two.", "Two, longer."),
        lambda t: t.replace("## Follow-ups", "## Follow-up questions"),
        # the page translated: titles and prose change, heading ids stay
        lambda t: t.replace("Why?", "为什么？").replace("Follow-ups {", "追问 {"),
    ],
    ids=["prose-and-section", "other-section", "reworded", "retitled", "translated"],
)
def test_card_ids_survive_edits_elsewhere(edit) -> None:
    before = dict(zip(["Why?", "First?", "Second?"], ids(PAGE), strict=True))
    after = ids(edit(PAGE))
    assert before["First?"] in after and before["Second?"] in after
    assert after[-2:] == [before["First?"], before["Second?"]]
    assert len(set(after)) == len(after)


def test_card_ids_are_unique_and_the_same_in_every_language() -> None:
    per_language = {}
    for lang in LANGUAGES:
        found = []
        for name in question_pages():
            text = (DOCS / f"{name}.{lang}.md").read_text(encoding="utf-8")
            found += ids(text, name)
        assert len(found) == len(set(found)), f"{lang}: duplicate card ids"
        per_language[lang] = found
    assert per_language[LANGUAGES[0]], "no follow-up questions found"
    first = per_language[LANGUAGES[0]]
    for lang in LANGUAGES[1:]:
        differ = sorted(set(first) ^ set(per_language[lang]))
        assert per_language[lang] == first, (
            f"{lang}: the follow-ups differ from {LANGUAGES[0]} in number, order or section, so "
            f"a card would not be the same question in both languages: {differ}"
        )


def test_sheet_wraps_cards_only_on_the_drill_page(tmp_path: Path) -> None:
    config = {
        "nav": [{"Questions": [{"Q & A": "q.md"}]}],
        "plugins": [{"i18n": {"languages": [{"locale": "en", "default": True}]}}],
    }
    (tmp_path / "q.en.md").write_text(PAGE, encoding="utf-8")
    plain = followups.drill_markdown("en", "en", tmp_path, config)
    drill = followups.drill_markdown("en", "en", tmp_path, config, cards=True)
    assert "dl-card" not in plain
    assert drill.count('<div class="dl-card"') == 3
    assert '<div class="dl-card" data-card="q/follow-ups/2" data-question="q" ' in drill
    assert 'data-title="Q &amp; A" markdown>\n\n??? question "Second?"' in drill
    # the rest is the plain sheet
    assert re.sub(r'<div class="dl-card"[^>]*>\n\n|\n</div>\n', "", drill) == plain


def test_drill_page_is_in_the_nav_next_to_the_sheet() -> None:
    config = mkdocs_config()
    reference = next(item["Reference"] for item in config["nav"] if "Reference" in item)
    pages = [next(iter(item.values())) for item in reference]
    assert pages[pages.index("followups.md") + 1] == "drill.md"
    for lang in LANGUAGES:
        text = (DOCS / f"drill.{lang}.md").read_text(encoding="utf-8")
        assert followups.MARKER in text
        front = text.split("---\n")[1]
        assert "drill: true" in front and "exclude: true" in front


def test_ts_fsrs_is_vendored() -> None:
    assert (VENDORED / "VERSION").read_text().strip() == "5.4.2"
    assert "MIT License" in (VENDORED / "LICENSE").read_text()
    script = (VENDORED / "ts-fsrs.umd.js").read_text(encoding="utf-8")
    assert "global.FSRS" in script and "exports.fsrs = fsrs" in script
    assert "sourceMappingURL" not in script  # the map is not vendored
    assert (ROOT / "scripts" / "vendor-ts-fsrs.sh").exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_built_drill_page_holds_every_follow_up(site_dir: Path, lang: str) -> None:
    html = SitePage("drill", lang).html_file(site_dir).read_text(encoding="utf-8")
    cards = CARD.findall(html)
    expected = []
    for name in question_pages():
        source = (DOCS / f"{name}.{lang}.md").read_text(encoding="utf-8")
        expected += [(name, q) for q in QUESTION_LINE.findall(source)]
    assert expected, "no follow-up questions found on the question pages"
    assert len(cards) == len(expected) == html.count('class="dl-card"')
    assert len({card[0] for card in cards}) == len(cards), "card ids are unique"
    for (card_id, page, title, summary, body), (name, question) in zip(
        cards, expected, strict=True
    ):
        assert card_id.startswith(f"{name}/") and page == name
        assert unescape(title) == nav_title(name, lang)
        text = unescape(re.sub(r"<[^>]+>", "", summary))
        assert text == question.replace("`", ""), f"{card_id}: {text!r}"
        assert f'href="../{name}/#' in body, f"{card_id}: no link back to its section"
    # the drill's mount point, hidden until drill.js fills it (the sheet shows without JS)
    assert re.search(r'<div (?=[^>]*id="dl-drill")(?=[^>]*\bhidden\b)[^>]*></div>', html)


def test_drill_assets_load_on_the_drill_page_only(site_dir: Path) -> None:
    for lang in LANGUAGES:
        drill = SitePage("drill", lang).html_file(site_dir).read_text(encoding="utf-8")
        sheet = SitePage("followups", lang).html_file(site_dir).read_text(encoding="utf-8")
        for asset in ("ts-fsrs/ts-fsrs.umd.js", "javascripts/drill.js", "stylesheets/drill.css"):
            assert f"assets/{asset}" in drill, f"{lang}: {asset} not on the Drill page"
            assert f"assets/{asset}" not in sheet, f"{lang}: {asset} on another page"
        # the scheduler is loaded before the script that uses it
        assert drill.index("ts-fsrs.umd.js") < drill.index("drill.js")
    assert (site_dir / "assets" / "ts-fsrs" / "ts-fsrs.umd.js").exists()
