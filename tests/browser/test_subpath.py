"""The site hosted under a project prefix, as GitHub Pages serves it (``/dlnotes/``).

A sample of pages in both languages (the home page and a question page): assets load (CSS, JS,
KaTeX and its fonts, images), every internal link on the page answers 200 under the prefix, the
language switcher keeps the page, and search finds pages and links to them under the prefix.
The 404 page under the prefix is in test_not_found.py.
"""

from __future__ import annotations

import pytest
from dlbrowser import Visit
from dlpages import LANGUAGES, SitePage, question_pages
from dlserver import SiteServer

pytestmark = pytest.mark.browser


def sample_pages() -> list[SitePage]:
    """The home page and a question page (formulas, figures, code), in both languages."""
    return [SitePage(name, lang) for lang in LANGUAGES for name in ("index", question_pages()[0])]


ASSETS_JS = """() => ({
  sheets: [...document.querySelectorAll('link[rel=stylesheet]')].map(link => {
    let rules = -1;
    try { rules = link.sheet ? link.sheet.cssRules.length : -1; } catch (e) { rules = -2; }
    return {href: link.href, rules};
  }),
  header: getComputedStyle(document.querySelector('.md-header')).position,
  katexFonts: [...document.fonts].filter(f => f.family.includes('KaTeX') && f.status === 'loaded')
    .length,
  links: [...new Set([...document.querySelectorAll('a[href]')]
    .map(a => a.href.split('#')[0])
    .filter(href => href.startsWith(location.origin + '/')))],
})"""


FETCH_JS = """(links) => Promise.all(links.map(link =>
  fetch(link, {method: 'HEAD'}).then(r => [link, r.status], e => [link, String(e)])))"""


@pytest.mark.parametrize("page", sample_pages(), ids=lambda p: p.id)
def test_page_under_prefix(
    page: SitePage, project_visit: Visit, project_server: SiteServer
) -> None:
    visit, server = project_visit, project_server
    url = server.url(page.path)
    visit.open(page.path)
    problems = visit.problems()

    assets = visit.page.evaluate(ASSETS_JS)
    problems += [f"CSS not applied: {s['href']}" for s in assets["sheets"] if s["rules"] <= 0]
    if assets["header"] != "sticky":
        problems.append(f"Material's CSS is not applied (header position {assets['header']})")
    formulas = visit.formulas()
    if formulas["rendered"] != formulas["total"] or formulas["errors"]:
        problems.append(f"formulas not rendered: {formulas}")
    if formulas["total"] and not assets["katexFonts"]:
        problems.append("the page has formulas but no KaTeX font loaded")
    problems += [f"image did not load: {src}" for src in visit.broken_images()]

    outside = [link for link in assets["links"] if not link.startswith(server.base_url)]
    problems += [f"link outside {server.prefix}: {link}" for link in outside]
    statuses = visit.page.evaluate(FETCH_JS, assets["links"])
    problems += [f"link answers {status}: {link}" for link, status in statuses if status != 200]

    there = visit.switch_language(page.other.lang, wait_until="commit")
    if there != server.url(page.other.path):
        problems.append(f"language switcher led to {there}, expected {server.url(page.other.path)}")
    assert not problems, f"{page.id} ({url}):\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_under_prefix(lang: str, project_visit: Visit, project_server: SiteServer) -> None:
    visit, server = project_visit, project_server
    visit.open(SitePage("index", lang).path)
    query, expected = {"en": ("momentum", "sgd"), "zh": ("动量", "sgd")}[lang]
    results = visit.search(query)
    wanted = server.url(SitePage(expected, lang).path)
    assert wanted in results, results
    language_root = server.url("zh/" if lang == "zh" else "")
    assert all(url.startswith(language_root) for url in results), results
    if lang == "en":
        assert not [url for url in results if url.startswith(server.url("zh/"))], results
    # The result link itself leads to the page.
    visit.page.locator(".md-search-result__item > .md-search-result__link").first.click()
    visit.page.wait_for_load_state("load")
    assert visit.page.url.split("?")[0].split("#")[0] == results[0]
    assert not visit.problems(), visit.problems()
