"""Search quality: the terms an interviewer asks about find the page that explains them.

Runs Material's own search in Chromium on the built site (hooks/search.py shapes the index it
loads). For each query, taken from docs/glossary.yml (a term, a synonym, or a part of one such
as 协变量偏移 in 内部协变量偏移 or "covariate shift"):

- the page that explains it is listed first or second;
- it ranks above the pages that only mention terms: the API reference, the notebook, the
  glossary table, the cheat sheet and the follow-up review sheet;
- (Chinese) no result page is there through one shared character: each holds, in some index
  entry, two or more consecutive characters of the query;
- the previews shown hold no raw TeX, no notebook prompts and no API source listing.

The same rules are checked over the whole index, for every entry, without a browser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dlbrowser import SearchResult, Visit, search_in_tabs
from dlhooks import load_hook
from dlpages import LANGUAGES
from dlserver import SiteServer

pytestmark = pytest.mark.browser

glossary = load_hook("glossary")

# (language, query, the page that explains it)
QUERIES = [
    ("zh", "批量归一化", "batch-norm"),
    ("zh", "批标准化", "batch-norm"),
    ("zh", "内部协变量偏移", "batch-norm"),
    ("zh", "协变量偏移", "batch-norm"),
    ("zh", "协变量", "batch-norm"),
    ("zh", "滑动平均", "batch-norm"),
    ("zh", "滑动均值", "batch-norm"),
    ("zh", "层归一化", "batch-norm"),
    ("zh", "组归一化", "batch-norm"),
    ("zh", "汇聚", "conv-pool"),
    ("zh", "感受野", "conv-pool"),
    ("zh", "残差连接", "resnet"),
    ("zh", "遗忘门", "lstm-gru"),
    ("zh", "动量", "sgd"),
    ("zh", "梯度消失", "resnet"),
    ("zh", "学习率预热", "sgd"),
    ("zh", "预热", "sgd"),
    ("en", "batch normalization", "batch-norm"),
    ("en", "internal covariate shift", "batch-norm"),
    ("en", "covariate shift", "batch-norm"),
    ("en", "running mean", "batch-norm"),
    ("en", "moving average", "batch-norm"),
    ("en", "layer norm", "batch-norm"),
    ("en", "layer normalization", "batch-norm"),
    ("en", "momentum", "sgd"),
    ("en", "pooling", "conv-pool"),
    ("en", "receptive field", "conv-pool"),
    ("en", "skip connection", "resnet"),
    ("en", "forget gate", "lstm-gru"),
    ("en", "vanishing gradient", "resnet"),
    ("en", "early stopping", "sgd"),
    ("en", "warmup", "sgd"),
]

# Pages that list or reuse terms without explaining them.
MENTIONS_ONLY = ("api", "notebooks/batch-norm", "glossary", "cheatsheet", "followups")

# What must not be in a preview: raw TeX, notebook prompts and copy labels, API source listings.
NOT_IN_PREVIEWS = re.compile(r"\\[(\[]|\\[)\]]|\\frac|In\s\[\d*\]:|Copied!|Source code in")

HAN = re.compile(r"[\u3400-\u9fff]")
HAN_RUN = re.compile(r"[\u3400-\u9fff\u200b]*[\u3400-\u9fff][\u3400-\u9fff\u200b]*")


def glossary_words(lang: str) -> list[str]:
    """Every word the glossary makes searchable: terms, synonyms and search keywords."""
    words = []
    for entry in glossary.load_glossary():
        words += [entry[lang], *entry.get(f"{lang}_synonyms", [])]
        words += entry.get(f"{lang}_keywords", [])
    return [w.lower() for w in words]


def test_the_queries_come_from_the_glossary() -> None:
    """Each query is a glossary term, synonym or keyword, or a part of one; ten or more per
    language."""
    for lang in LANGUAGES:
        queries = [q for language, q, _ in QUERIES if language == lang]
        assert len(queries) >= 10, f"{lang}: {len(queries)} queries"
        words = glossary_words(lang)
        strays = [q for q in queries if not any(q.lower() in w for w in words)]
        assert not strays, f"{lang} queries not in docs/glossary.yml: {strays}"
    for _, _, page in QUERIES:
        assert (glossary.ROOT / "docs" / f"{page}.en.md").exists(), page


def index_of(site: Path, lang: str) -> list[dict]:
    folder = site if lang == LANGUAGES[0] else site / lang
    return json.loads((folder / "search" / "search_index.json").read_text("utf-8"))["docs"]


def page_name(url: str, root_server: SiteServer, lang: str) -> str:
    base = root_server.url("" if lang == LANGUAGES[0] else f"{lang}/")
    return url.removeprefix(base).strip("/") or "index"


def pairs(query: str) -> set[str]:
    """Every run of two consecutive Han characters of the query."""
    return {query[i : i + 2] for i in range(len(query) - 1) if HAN.match(query[i : i + 2][-1])}


@pytest.fixture(scope="module")
def searched(search_tabs: dict[str, Visit]) -> dict[str, tuple[dict[str, SearchResult], list]]:
    """Every query of ``QUERIES``, run in its language's tab (``search_in_tabs``)."""
    return search_in_tabs(search_tabs, QUERIES)


@pytest.mark.parametrize(
    ("lang", "query", "expected"), QUERIES, ids=[f"{lang}-{q}" for lang, q, _ in QUERIES]
)
def test_query_finds_the_page_that_explains_it(
    lang: str,
    query: str,
    expected: str,
    searched: dict[str, tuple[dict[str, SearchResult], list]],
    root_server: SiteServer,
    site_dir: Path,
) -> None:
    results, problems = searched[lang]
    found = results[query]
    pages = [page_name(url, root_server, lang) for url in found.pages]
    where = f"searching {query!r} on the {lang} site: {pages if found.answered else 'no answer'}"
    assert expected in pages[:2], where
    for other in MENTIONS_ONLY:
        # "api": the API index and every module page under it (api/norm, ...)
        for page in [p for p in pages if p == other or p.startswith(f"{other}/")]:
            assert pages.index(page) > pages.index(expected), f"{page} first; {where}"

    if HAN.search(query):
        # Each result page holds two consecutive characters of the query somewhere in its
        # entries: no page is listed for one shared character (内 of 内部协变量偏移 in 内容).
        entries: dict[str, str] = {}
        for doc in index_of(site_dir, lang):
            name = doc["location"].split("#")[0].strip("/") or "index"
            text = doc["title"] + doc["text"] + doc.get("keys", "")
            entries[name] = entries.get(name, "") + text.replace("\u200b", "")
        lone = [p for p in pages if not any(pair in entries.get(p, "") for pair in pairs(query))]
        assert not lone, f"listed for a single shared character: {lone}; {where}"

    previews = [p for p in found.previews if NOT_IN_PREVIEWS.search(p)]
    assert not previews, f"{where}: previews with TeX, prompts or source: {previews[:2]}"
    assert not problems, f"searching on the {lang} site: {problems}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_index_previews_hold_prose(lang: str, site_dir: Path) -> None:
    """No entry of the index shows raw TeX, notebook prompts or an API source listing, and no
    Chinese word in a run of Chinese text is a single character (the segmenter would match a
    query on it). A character standing alone between Latin words or numbers (第 16 题) stays a
    token of its own: joining it to a neighbour would change the text shown."""
    docs = index_of(site_dir, lang)
    dirty = [d["location"] for d in docs if NOT_IN_PREVIEWS.search(d["title"] + d["text"])]
    assert not dirty, f"{lang}: entries with TeX, prompts or source listings: {dirty}"
    if lang == LANGUAGES[0]:
        return
    lone = []
    for doc in docs:
        for run in HAN_RUN.findall(doc["title"] + " " + doc["text"]):
            words = [w for w in run.split("\u200b") if w]
            if len(words) > 1:
                lone += [f"{w} in {run!r}" for w in words if len(w) == 1]
    assert not lone, f"one-character tokens inside Chinese text: {lone[:10]}"
