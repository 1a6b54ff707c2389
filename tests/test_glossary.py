"""The glossary: one list feeding the glossary pages and Chinese search segmentation."""

from __future__ import annotations

import re

import pytest
from dlhooks import load_hook
from dlpages import LANGUAGES, ROOT, nav_title

glossary = load_hook("glossary")
ENTRIES = glossary.load_glossary()


KEYS = {"id", "en", "zh", "en_synonyms", "zh_synonyms", "en_keywords", "zh_keywords", "related"}
KEYS |= {"page"}
BY_ID = {e["id"]: e for e in ENTRIES}


def test_entries_are_well_formed() -> None:
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids)), "duplicate glossary ids"
    for e in ENTRIES:
        assert set(e) <= KEYS, f"{e['id']}: unknown keys {set(e) - KEYS}"
        assert e["en"] and e["zh"], e
        assert (ROOT / "docs" / e["page"].replace(".md", ".en.md")).exists(), e["page"]
        for other in e.get("related", []):
            assert other in BY_ID and other != e["id"], f"{e['id']}: related {other!r}?"
            assert e["id"] in BY_ID[other].get("related", []), (
                f"{e['id']} is related to {other} but not the reverse: keep `related` symmetric"
            )


def test_each_word_names_one_concept() -> None:
    """Synonyms are true synonyms: a word is never listed under two entries (a neighbouring
    concept is an entry of its own, linked by ``related``)."""
    seen: dict[str, str] = {}
    for e in ENTRIES:
        words = [e["en"], *e.get("en_synonyms", []), e["zh"], *e.get("zh_synonyms", [])]
        for word in dict.fromkeys(w.lower() for w in words):
            assert word not in seen, f"{word!r} is under both {seen[word]} and {e['id']}"
            seen[word] = e["id"]
    # A keyword (a near-term, not a synonym) is never a head term or synonym of any entry: a
    # word that names a concept of its own is an entry, linked by ``related``.
    for e in ENTRIES:
        for word in [*e.get("en_keywords", []), *e.get("zh_keywords", [])]:
            assert word.lower() not in seen, f"{e['id']}: keyword {word!r} is {seen[word.lower()]}"


def test_the_pairs_the_review_found_are_not_synonyms() -> None:
    """Issue 20: near-terms listed as synonyms. Each stays searchable, as a keyword."""
    near_terms = {
        "convolution": ["cross-correlation", "互相关"],
        "pooling": ["downsampling", "subsampling", "下采样", "降采样"],
        "normalization": ["standardization", "标准化"],
        "running-statistics": ["running mean", "running variance", "moving average"],
        "residual-block": ["basic block", "基本块", "残差"],
        "adaptive-optimizer": ["Adagrad", "RMSprop", "Adam", "AdamW"],
        "early-stopping": ["patience"],
        "weight-decay": ["decoupled weight decay", "解耦的权重衰减"],
        "learning-rate-schedule": ["learning-rate decay", "学习率衰减"],
    }
    for entry_id, words in near_terms.items():
        e = BY_ID[entry_id]
        assert not set(words) & {*e.get("en_synonyms", []), *e.get("zh_synonyms", [])}, entry_id
        assert set(words) <= {*e.get("en_keywords", []), *e.get("zh_keywords", [])}, entry_id
    # zero-γ: 零初始化 alone means all-zero weights in Chinese interviews
    assert BY_ID["zero-gamma-init"]["zh"] == "γ 置零初始化"
    # a schedule is the head (warmup is a schedule, not a decay)
    assert BY_ID["learning-rate-schedule"]["zh"] == "学习率调度"
    # stride is 步幅 everywhere; 步长 is the step size, never stride
    assert BY_ID["stride"]["zh"] == "步幅" and "步长" not in glossary.chinese_terms(
        [BY_ID["stride"]]
    )
    # the calques of running mean/variance are gone
    assert not {"运行均值", "运行方差"} & set(glossary.chinese_terms(ENTRIES))


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_every_term_and_synonym_is_on_its_page(entry: dict) -> None:
    """Search finds a page by a synonym only if the page contains it."""
    page = entry["page"].removesuffix(".md")
    zh = (ROOT / "docs" / f"{page}.zh.md").read_text(encoding="utf-8")
    en = (ROOT / "docs" / f"{page}.en.md").read_text(encoding="utf-8").lower()
    missing = [w for w in glossary.search_words(entry, "zh") if w not in zh]
    missing += [w for w in glossary.search_words(entry, "en") if w.lower() not in en]
    assert not missing, f"docs/{page}.{{en,zh}}.md never mention {missing}"


def test_jieba_keeps_terms_whole_unless_they_hide_a_term() -> None:
    """Dictionary words stay one token; a term containing another is split at it."""
    import jieba

    tokenizer = jieba.Tokenizer()
    for word in glossary.jieba_words(ENTRIES):
        tokenizer.add_word(word)
    words = list(tokenizer.cut("滑动统计量在推理时使用，池化又称汇聚，学习率预热"))
    assert {"滑动统计量", "池化", "汇聚", "预热"} <= set(words)
    assert "学习率预热" not in words  # it would hide 预热
    assert "学习率预热" not in glossary.jieba_words(ENTRIES)
    assert not any(" " in w for w in glossary.jieba_words(ENTRIES))  # jieba's format


SEPARATOR = re.compile(r"[\s\u200b\u3000\-、。，．？！；：（）“”|*`#\[\]()<>{}=/_.,:;!?'\"]+")


@pytest.fixture(scope="module")
def zh_index() -> dict[str, set[str]]:
    """Tokens of each Chinese page as the search index holds them (jieba with our dictionary)."""
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in glossary.jieba_words(ENTRIES):
        tokenizer.add_word(word)
    pages = {e["page"].removesuffix(".md") for e in ENTRIES}
    index = {}
    for page in pages:
        text = (ROOT / "docs" / f"{page}.zh.md").read_text(encoding="utf-8").lower()
        tokens = "\u200b".join(tokenizer.cut(text))
        index[page] = {t for t in SEPARATOR.split(tokens) if t}
    return index


def segment_query(query: str, vocabulary: set[str]) -> list[str]:
    """Material's Chinese query segmentation: greedy, longest token of the index first."""
    parts, i = [], 0
    while i < len(query):
        j = next(j for j in range(len(query), i, -1) if query[i:j] in vocabulary or j == i + 1)
        parts.append(query[i:j])
        i = j
    return parts


@pytest.mark.parametrize("word", glossary.chinese_terms(ENTRIES))
def test_every_chinese_term_is_findable(word: str, zh_index: dict[str, set[str]]) -> None:
    """Every part of the query, as the browser segments it, is a token of the term's page."""
    entry = next(e for e in ENTRIES if word in glossary.search_words(e, "zh"))
    page = entry["page"].removesuffix(".md")
    vocabulary = set().union(*zh_index.values())
    parts = [p for w in SEPARATOR.split(word.lower()) if w for p in segment_query(w, vocabulary)]
    missing = [p for p in parts if p not in zh_index[page]]
    assert not missing, f"searching {word!r} ({parts}): {missing} not in docs/{page}.zh.md's index"


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
        # keywords are shown apart from the synonyms, after their label
        row = next(r for r in table.splitlines() if 'id="pooling"' in r)
        synonyms_cell = row.split(" | ")[2]
        before, label, after = synonyms_cell.partition(glossary.ALSO_SEARCHED[lang])
        assert label and "downsampling" in after and "downsampling" not in before
    assert glossary.glossary_table(ENTRIES, "zh").splitlines()[0].startswith("| 中文")


def test_jieba_user_dictionary_is_written_from_the_glossary(tmp_path) -> None:
    """hooks/glossary.py writes the search plugin's jieba_dict_user in on_startup, before any
    plugin reads its settings: the words of ``jieba_words``, one a line."""
    configured = glossary.jieba_dict_user()
    assert configured.is_relative_to(ROOT) and configured.suffix == ".txt"
    path = glossary.write_jieba_dict_user(tmp_path / "dict.txt")
    assert path.read_text(encoding="utf-8").splitlines() == glossary.jieba_words(ENTRIES)
