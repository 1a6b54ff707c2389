"""Search, in each language, finds the question pages by the terms interviewers use.

Chinese text is segmented with jieba at build time (with the glossary as its dictionary), and the
index is split per language: a Chinese query on the Chinese site lists Chinese pages only, an
English query on the English site English pages only.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from dlbrowser import RESULTS_JS, SearchResult, Visit, search_in_tabs
from dlhooks import load_hook
from dlpages import LANGUAGES, SitePage, question_pages
from dlserver import SiteServer

pytestmark = pytest.mark.browser

glossary = load_hook("glossary")


def searches() -> list[tuple[str, str, str]]:
    """(language, what a reader types, the page that must be among the results), from the
    glossary: each term in both languages and each Chinese synonym and keyword (the ones jieba
    segments)."""
    cases = []
    for entry in glossary.load_glossary():
        page = entry["page"].removesuffix(".md")
        cases += [("en", entry["en"], page), ("zh", entry["zh"], page)]
        cases += [("zh", word, page) for word in glossary.search_words(entry, "zh")[1:]]
    return list(dict.fromkeys(cases))


SEARCHES = searches()


def search_id(case: tuple[str, str, str]) -> str:
    lang, query, page = case
    return f"{lang}-{page}-{query}"


@pytest.fixture(scope="module")
def searched(search_tabs: dict[str, Visit]) -> dict[str, tuple[dict[str, SearchResult], list]]:
    """Every query of ``SEARCHES``, run in its language's tab (``search_in_tabs``)."""
    return search_in_tabs(search_tabs, SEARCHES)


@pytest.mark.parametrize(
    ("lang", "query", "expected"), SEARCHES, ids=[search_id(s) for s in SEARCHES]
)
def test_search_finds_the_question_page(
    lang: str,
    query: str,
    expected: str,
    searched: dict[str, tuple[dict[str, SearchResult], list]],
    root_server: SiteServer,
) -> None:
    assert expected in question_pages()
    found, problems = searched[lang]
    result = found[query]
    assert result.answered, f"searching {query!r} on the {lang} site: no answer from the search"
    results = result.pages
    wanted = root_server.url(SitePage(expected, lang).path)
    assert wanted in results, f"searching {query!r} on the {lang} site: {results}"
    zh_root = root_server.url("zh/")
    other = [url for url in results if url.startswith(zh_root) != (lang == "zh")]
    assert not other, f"searching {query!r} on the {lang} site lists other-language pages: {other}"
    assert not problems, f"searching on the {lang} site: {problems}"


@pytest.mark.parametrize("lang", LANGUAGES)
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


# Queries whose result links carried a shortened highlight term (?h=梯度消 for 梯度消失).
HIGHLIGHTED = [
    ("zh", "梯度消失"),
    ("zh", "批量归一化"),
    ("zh", "学习率预热"),
    ("zh", "协变量偏移"),
    ("en", "vanishing gradient"),
]


@pytest.mark.parametrize(
    ("lang", "query"), HIGHLIGHTED, ids=[f"{lang}-{q}" for lang, q in HIGHLIGHTED]
)
def test_result_links_highlight_the_whole_query(
    lang: str, query: str, search_tabs: dict[str, Visit]
) -> None:
    """Material's search.highlight puts the query terms in each result link (``?h=``), and the
    page it opens marks them: every term of the query, whole (not a prefix of one)."""
    tab = search_tabs[lang]
    assert tab.search_many([query])[query].pages, f"no result for {query!r}"
    links = tab.page.evaluate(RESULTS_JS)
    # A page listed for its sections only (Material adds it with no terms) has an empty h=.
    terms = {" ".join(parse_qs(urlsplit(link).query).get("h", [""])) for link in links} - {""}
    assert terms and terms <= {query, *query.split()}, f"{query!r}: h= {sorted(terms)}"
