"""The glossary: one list feeding the glossary pages and Chinese search segmentation."""

from __future__ import annotations

import pytest
from dlhooks import load_hook
from dlpages import LANGUAGES, ROOT, nav_title

glossary = load_hook("glossary")
ENTRIES = glossary.load_glossary()


def test_entries_are_well_formed() -> None:
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids)), "duplicate glossary ids"
    for e in ENTRIES:
        assert e["en"] and e["zh"], e
        assert (ROOT / "docs" / e["page"].replace(".md", ".en.md")).exists(), e["page"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_every_term_and_synonym_is_on_its_page(entry: dict) -> None:
    """Search finds a page by a synonym only if the page contains it."""
    page = entry["page"].removesuffix(".md")
    zh = (ROOT / "docs" / f"{page}.zh.md").read_text(encoding="utf-8")
    en = (ROOT / "docs" / f"{page}.en.md").read_text(encoding="utf-8").lower()
    missing = [w for w in [entry["zh"], *entry.get("zh_synonyms", [])] if w not in zh]
    missing += [w for w in [entry["en"], *entry.get("en_synonyms", [])] if w.lower() not in en]
    assert not missing, f"docs/{page}.{{en,zh}}.md never mention {missing}"


def test_jieba_keeps_terms_whole() -> None:
    import jieba

    for word in glossary.jieba_words(ENTRIES):
        jieba.add_word(word)
    words = list(jieba.cut("批量归一化在推理时使用滑动统计量，池化又称汇聚"))
    assert {"批量归一化", "滑动统计量", "池化", "汇聚"} <= set(words)


def test_table_links_each_page_by_its_nav_title() -> None:
    """Page titles are not repeated in glossary.yml: the nav (and its translations) names them."""
    for lang in LANGUAGES:
        table = glossary.glossary_table(ENTRIES, lang)
        for e in ENTRIES:
            assert "page_title" not in e, "glossary.yml repeats a nav title: remove page_title"
            title = nav_title(e["page"].removesuffix(".md"), lang)
            assert f"[{title}]({e['page']})" in table


def test_table_lists_every_entry_in_both_languages() -> None:
    for lang in LANGUAGES:
        table = glossary.glossary_table(ENTRIES, lang)
        assert table.count("\n") == len(ENTRIES) + 1
        for e in ENTRIES:
            assert f'id="{e["id"]}"' in table
    assert glossary.glossary_table(ENTRIES, "zh").splitlines()[0].startswith("| 中文")
