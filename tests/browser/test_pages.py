"""Every page of the site, in both languages, opened in Chromium from a local server.

The pages are discovered from ``docs/`` (a new page is checked without editing this file). For
each page: no console errors and no failed requests (Material's ``sitemap.xml`` probes for the
language switcher are the only 404s allowed: harmless, see dlbrowser.HARMLESS_404_SUFFIX), no
request to another host, every formula rendered by KaTeX (as many as arithmatex left in the
built HTML, which has as many as the Markdown source), every image loaded, the language
switcher leads to the same page in the other language (and the other language's test of the
same page checks the way back), and on a phone-sized screen the question pages and the cheat
sheet do not scroll sideways. A screenshot of each page goes to test-artifacts/screenshots/,
the bytes transferred to test-artifacts/page-weight.txt (HTML+CSS+JS of a question page must
stay within the budget).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dlbrowser import BUDGET_KB, DESKTOP, PHONE, SETTLED_JS, WEIGHTS, Visit, count_formulas_in_html
from dlhooks import load_hook
from dlpages import DOCS, SitePage, all_pages, page_names, question_pages, topic_pages
from dlserver import SiteServer
from pymdownx.arithmatex import RE_BRACKET_INLINE, RE_SMART_DOLLAR_INLINE

prose = load_hook("_markdown").prose

# Boxes whose content may be wider than a phone: they scroll inside themselves, not the page.
SCROLL_BOXES = "pre, table, .arithmatex, .katex-display, .md-typeset__scrollwrap, .highlight"

OVERFLOW_JS = """(boxes) => {
  const width = window.innerWidth;
  const offenders = [];
  for (const el of document.querySelectorAll('.md-content *')) {
    if (el.parentElement && el.parentElement.closest(boxes)) continue;
    const r = el.getBoundingClientRect();
    if ((r.width || r.height) && (r.right > width + 1 || r.left < -1)) {
      const cls = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      offenders.push(`${el.tagName.toLowerCase()}${cls} [${Math.round(r.left)}, `
        + `${Math.round(r.right)}]: ${(el.textContent || '').trim().slice(0, 60)}`);
    }
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, width, offenders};
}"""


# What pymdownx.arithmatex (generic mode, smart dollar) turns into a formula, outside code.
DISPLAY_MATH = re.compile(
    r"\$\$.+?\$\$|\\\[.+?\\\]|\\begin\{([a-z]+\*?)\}.+?\\end\{\1\}", re.DOTALL
)
INLINE_MATH = re.compile(f"{RE_SMART_DOLLAR_INLINE}|{RE_BRACKET_INLINE}")
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)


def source_formulas(text: str) -> tuple[int, int]:
    """(display, inline) formulas in a page's Markdown, outside code and comments."""
    text = CODE_SPAN.sub(" ", re.sub(r"<!--.*?-->", " ", prose(text), flags=re.DOTALL))
    inline = INLINE_MATH.finditer(DISPLAY_MATH.sub(" ", text))
    # group 2 / 5 is the opening delimiter; the patterns' other branch matches escapes
    return len(DISPLAY_MATH.findall(text)), sum(1 for m in inline if m.group(2) or m.group(5))


def built_formulas(html_file: Path) -> tuple[int, int]:
    html = html_file.read_text(encoding="utf-8")
    return html.count('<div class="arithmatex">'), html.count('<span class="arithmatex">')


@pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.id)
def test_every_source_formula_reaches_the_page(page: SitePage, site_dir: Path) -> None:
    """Each formula of the Markdown is in the built page for KaTeX (none left as raw text).

    Pages made from docstrings (``::: module``) and notebooks have their formulas elsewhere.
    """
    source = DOCS / f"{page.name}.{page.lang}.md"
    if not source.exists() or re.search(r"^:::", source.read_text("utf-8"), re.MULTILINE):
        pytest.skip("formulas come from docstrings or a notebook")
    expected = source_formulas(source.read_text(encoding="utf-8"))
    assert built_formulas(page.html_file(site_dir)) == expected, "(display, inline) formulas"


def test_pages_are_discovered(site_dir: Path) -> None:
    """The pages the browser tests visit are exactly the pages the build produced."""
    built = {
        p.parent.relative_to(site_dir).as_posix()
        for p in site_dir.rglob("index.html")
        if "assets" not in p.parts
    }
    assert built == {page.path.rstrip("/") or "." for page in all_pages()}
    assert set(topic_pages()) <= set(page_names())


def phone_layout_problems(visit: Visit) -> list[str]:
    visit.page.set_viewport_size(PHONE)
    visit.page.evaluate(SETTLED_JS)
    layout = visit.page.evaluate(OVERFLOW_JS, SCROLL_BOXES)
    problems = []
    if layout["scrollWidth"] > layout["width"]:
        problems.append(
            f"at {PHONE['width']} px the page scrolls sideways: scrollWidth {layout['scrollWidth']}"
        )
    if layout["offenders"]:
        problems.append(
            f"at {PHONE['width']} px, wider than the screen and not in a scroll box: "
            + "; ".join(layout["offenders"][:8])
        )
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.id)
def test_page(
    page: SitePage, visit: Visit, root_server: SiteServer, site_dir: Path, screenshots: Path
) -> None:
    url, other_url = root_server.url(page.path), root_server.url(page.other.path)
    problems: list[str] = []
    visit.open(page.path)

    expected = count_formulas_in_html(page.html_file(site_dir))
    formulas = visit.formulas()
    if formulas["errors"]:
        problems.append(f"KaTeX errors: {formulas['errors']}")
    if not formulas["rendered"] == formulas["total"] == expected:
        problems.append(
            f"formulas: {expected} in the built HTML, {formulas['total']} in the page, "
            f"{formulas['rendered']} rendered by KaTeX"
        )
    problems += [f"image did not load: {src}" for src in visit.broken_images()]

    visit.screenshot(screenshots / page.slug)
    weight = WEIGHTS[page.id] = visit.weight()
    if page.name in question_pages() and weight.code > BUDGET_KB * 1000:
        problems.append(
            f"HTML+CSS+JS transferred: {weight.code / 1000:.1f} KB > budget {BUDGET_KB} KB"
        )

    if page.name in topic_pages():
        problems += phone_layout_problems(visit)
        visit.screenshot(screenshots / "phone" / page.slug)
        visit.page.set_viewport_size(DESKTOP)

    # The language switcher leads to the same page in the other language. (The way back is the
    # other language's test of this page: every page is checked in both languages.)
    problems += visit.problems()
    there = visit.switch_language(page.other.lang, wait_until="commit")
    if there != other_url:
        problems.append(f"language switcher led to {there}, expected {other_url}")
    assert not problems, f"{page.id} ({url}):\n- " + "\n- ".join(problems)
