"""The 404 page, as GitHub Pages serves it: the root 404.html for any missing path, at any depth.

Checked at a deep missing URL in English and under /zh/, with the site at the server root and
under the project prefix (/dlnotes/): status 404, styled (every asset loads from that depth,
nothing else fails), the message in both languages with the one of the path first, links to
both home pages (also in the language menu) that answer 200, and search works from there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dlbrowser import Visit
from dlpages import LANGUAGES, SitePage

pytestmark = pytest.mark.browser

MISSING = {"en": "no/such/deep/page/", "zh": "zh/no/such/deep/page"}
QUERIES = {"en": ("momentum", "sgd"), "zh": ("动量", "sgd")}

PAGE_JS = """() => ({
  lang: document.documentElement.lang,
  first: document.querySelector('.dl-not-found section').dataset.dlLang,
  text: document.querySelector('.dl-not-found').innerText,
  homes: Object.fromEntries([...document.querySelectorAll('[data-dl-home]')]
    .map(a => [a.dataset.dlHome, a.href])),
  menu: Object.fromEntries([...document.querySelectorAll('.md-select__link[hreflang]')]
    .map(a => [a.getAttribute('hreflang'), a.href])),
  header: getComputedStyle(document.querySelector('.md-header')).position,
  sheets: [...document.querySelectorAll('link[rel=stylesheet]')]
    .filter(link => !link.sheet || !link.sheet.cssRules.length).map(link => link.href),
})"""


@pytest.fixture(params=["root", "project"])
def tab(request: pytest.FixtureRequest) -> Visit:
    return request.getfixturevalue("visit" if request.param == "root" else "project_visit")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_not_found_page(tab: Visit, lang: str, screenshots: Path) -> None:
    server = tab.server
    url = server.url(MISSING[lang])
    tab.open(MISSING[lang], status=404)
    problems = tab.problems(expected_404=url)

    shown = tab.page.evaluate(PAGE_JS)
    homes = {"en": server.url(SitePage("index", "en").path), "zh": server.url("zh/")}
    if shown["header"] != "sticky" or shown["sheets"]:
        problems.append(f"not styled: header {shown['header']}, CSS not loaded {shown['sheets']}")
    if shown["lang"] != lang or shown["first"] != lang:
        problems.append(f"language: <html lang={shown['lang']}>, first message {shown['first']}")
    for text in ("Page not found", "页面未找到"):
        if text not in shown["text"]:
            problems.append(f"message {text!r} missing")
    if shown["homes"] != homes:
        problems.append(f"home links {shown['homes']}, expected {homes}")
    if shown["menu"] != homes:
        problems.append(f"language menu links {shown['menu']}, expected {homes}")
    kind = "root" if server.prefix == "/" else "project"
    tab.screenshot(screenshots / f"404-{kind}-{lang}")
    assert not problems, f"{url}:\n- " + "\n- ".join(problems)

    statuses = tab.page.evaluate(
        "(urls) => Promise.all(urls.map(u => fetch(u, {method: 'HEAD'}).then(r => r.status)))",
        list(homes.values()),
    )
    assert statuses == [200, 200], f"home pages answer {statuses}"

    # Search works from any depth, in the language of the path.
    query, page = QUERIES[lang]
    results = tab.search(query)
    assert server.url(SitePage(page, lang).path) in results, results
    assert all(url.startswith(homes[lang]) for url in results), results
