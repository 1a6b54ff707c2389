"""Search, in each language, finds the question pages by the terms interviewers use.

Chinese text is segmented with jieba at build time (with the glossary as its dictionary), and the
index is split per language: a Chinese query on the Chinese site lists Chinese pages only, an
English query on the English site English pages only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dlbrowser import Visit
from dlpages import SitePage, question_pages
from dlserver import SiteServer

pytestmark = pytest.mark.browser

# (language, what a reader types, the page that must be among the results)
SEARCHES = [
    ("zh", "批量归一化", "batch-norm"),
    ("zh", "池化", "conv-pool"),
    ("zh", "汇聚", "conv-pool"),  # a glossary synonym of 池化, listed after it
    ("zh", "残差", "resnet"),
    ("zh", "遗忘门", "lstm-gru"),
    ("zh", "动量", "sgd"),
    ("en", "batch normalization", "batch-norm"),
    ("en", "pooling", "conv-pool"),
    ("en", "residual", "resnet"),
    ("en", "forget gate", "lstm-gru"),
    ("en", "momentum", "sgd"),
]


@pytest.fixture(scope="module")
def search_tabs(context: object, root_server: SiteServer) -> Iterator[dict[str, Visit]]:
    """One tab per language, on that language's home page, search index loaded."""
    tabs = {}
    for lang in ("en", "zh"):
        tab = Visit(context, root_server)
        tab.open(SitePage("index", lang).path)
        tabs[lang] = tab
    yield tabs
    for tab in tabs.values():
        tab.page.close()


def search_id(case: tuple[str, str, str]) -> str:
    lang, query, page = case
    synonym = "-synonym" if query == "汇聚" else ""
    return f"{lang}-{page}{synonym}"


@pytest.mark.parametrize(
    ("lang", "query", "expected"), SEARCHES, ids=[search_id(s) for s in SEARCHES]
)
def test_search_finds_the_question_page(
    lang: str, query: str, expected: str, search_tabs: dict[str, Visit], root_server: SiteServer
) -> None:
    assert expected in question_pages()
    tab = search_tabs[lang]
    results = tab.search(query)
    wanted = root_server.url(SitePage(expected, lang).path)
    assert wanted in results, f"searching {query!r} on the {lang} site: {results}"
    zh_root = root_server.url("zh/")
    other = [url for url in results if url.startswith(zh_root) != (lang == "zh")]
    assert not other, f"searching {query!r} on the {lang} site lists other-language pages: {other}"
    problems = tab.problems()
    assert not problems, problems


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_search_from_a_nested_page_stays_in_its_language(
    lang: str, visit: Visit, root_server: SiteServer
) -> None:
    """The index is found from a page one level down too (its base is relative)."""
    name = question_pages()[0]
    visit.open(SitePage(name, lang).path)
    query = next(q for language, q, page in SEARCHES if language == lang and page == name)
    results = visit.search(query)
    assert root_server.url(SitePage(name, lang).path) in results, results
    zh_root = root_server.url("zh/")
    assert all(url.startswith(zh_root) == (lang == "zh") for url in results), results
    assert not visit.problems(), visit.problems()
