"""Printing a question page (and the cheat sheet) gives the text only, with nothing cut off.

With print media emulated (docs/assets/stylesheets/print.css): no header, navigation, sidebars,
search or footer; code wraps instead of running off the page (checked on a block with a long
line added to the page, and on the page's own code blocks); collapsed answers are printed open.
A PDF of the cheat sheet is saved in test-artifacts/print/ for a look.
"""

from __future__ import annotations

import pytest
from dlbrowser import Visit
from dlpages import ARTIFACTS, LANGUAGES, SitePage, page_names, question_pages

pytestmark = pytest.mark.browser

PAPER = {"width": 720, "height": 1000}  # A4 minus margins, in CSS pixels
HIDDEN = [
    ".md-header",
    ".md-tabs",
    ".md-sidebar--primary",
    ".md-sidebar--secondary",
    ".md-search",
    ".md-footer",
    ".md-top",
    ".md-source",
    ".md-select",
    ".md-code__nav",  # the copy button on code blocks
]
LONG_LINE = "x = " + " + ".join(f"weight_{i} * activation_{i}" for i in range(40))

# The markup pymdownx.highlight and pymdownx.details produce, added to the page's article.
PROBES_JS = """(line) => {
  const article = document.querySelector('.md-content__inner');
  const code = document.createElement('div');
  code.className = 'language-python highlight';
  code.id = 'dl-print-code';
  code.innerHTML = '<pre><span></span><code></code></pre>';
  code.querySelector('code').textContent = line;
  const details = document.createElement('details');
  details.className = 'question';
  details.innerHTML = '<summary>Why?</summary><p id="dl-print-answer">Because.</p>';
  article.append(code, details);
}"""

PRINTED_JS = """(hidden) => {
  const width = document.documentElement.clientWidth;
  const visible = el => el.checkVisibility() && el.getBoundingClientRect().height > 0;
  const shown = hidden.filter(sel => [...document.querySelectorAll(sel)].some(visible));
  const cut = [...document.querySelectorAll('.md-content pre')]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1
                   || pre.getBoundingClientRect().right > width + 1)
    .map(pre => pre.textContent.slice(0, 60));
  const probe = document.querySelector('#dl-print-code pre');
  const lineHeight = parseFloat(getComputedStyle(probe).lineHeight) || 16;
  const closed = [...document.querySelectorAll('.md-content details:not([open])')]
    .flatMap(d => [...d.children].filter(c => c.tagName !== 'SUMMARY'))
    .filter(c => !visible(c)).map(c => c.textContent.slice(0, 60));
  return {shown, cut, wrapped: probe.getBoundingClientRect().height > 2 * lineHeight,
          closed, article: visible(document.querySelector('.md-content__inner'))};
}"""


def print_pages() -> list[SitePage]:
    names = [question_pages()[0], *(["cheatsheet"] if "cheatsheet" in page_names() else [])]
    return [SitePage(name, lang) for name in names for lang in LANGUAGES]


@pytest.mark.parametrize("page", print_pages(), ids=lambda p: p.id)
def test_print(page: SitePage, visit: Visit) -> None:
    visit.page.set_viewport_size(PAPER)
    visit.open(page.path)
    visit.page.evaluate(PROBES_JS, LONG_LINE)
    visit.page.emulate_media(media="print")
    try:
        printed = visit.page.evaluate(PRINTED_JS, HIDDEN)
        if page.name == "cheatsheet":  # the page meant for paper: keep a PDF to look at
            folder = ARTIFACTS / "print"
            folder.mkdir(parents=True, exist_ok=True)
            visit.page.pdf(path=folder / f"{page.slug}.pdf", format="A4")
    finally:
        visit.page.emulate_media(media="screen")
    problems = []
    if printed["shown"]:
        problems.append(f"printed although it should not be: {printed['shown']}")
    if printed["cut"] or not printed["wrapped"]:
        problems.append(f"code cut off instead of wrapped: {printed['cut'] or 'the long line'}")
    if printed["closed"]:
        problems.append(f"collapsed answers not printed: {printed['closed']}")
    if not printed["article"]:
        problems.append("the article itself is not printed")
    assert not problems, f"{page.id}:\n- " + "\n- ".join(problems)
