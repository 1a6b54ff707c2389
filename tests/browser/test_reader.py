"""What a reader meets on every page (issue 9), in Chromium at 390 px and 1280 px, both languages.

Every page is loaded once per width (all follow-ups opened; the load is shared with the page and
accessibility checks: tests/browser/dlcheck.py) and checked for:

- requests and console: no response with status >= 400 and no console error (Material used to
  probe ``<page>/sitemap.xml`` for both languages: hooks/alternate_links.py);
- theme strings: on /zh/ no English theme string (ENGLISH_THEME_STRINGS, in text or in a
  title/aria-label/placeholder) and no English phrase in those attributes; on English pages no
  Chinese in them;
- wide content: the page never scrolls sideways; every box wider than its content area scrolls
  (overflow-x auto/scroll, not clipped) and shows the fade on the side with more to see, which
  moves to the other side when the box is scrolled to its end (docs/assets/javascripts/reader.js);
- type: text in admonitions, follow-ups and tables is not smaller than body text, inline code
  there is as large as in body text, Chinese headings use a weight the CJK font has (no light
  Latin next to regular Hanzi), an identifier never breaks across lines unless it is wider than
  its line.

Then the language menu keeps the section (#anchor) and lands without a redirect (both ways at
each width, from a section link and after scrolling); in both languages and at both widths,
console sessions (``>>>``) copy code only, and the copied text, read by Python's interactive
console, is the session's statements (Sybil runs them, from the sources); pages marked
``status: draft`` carry the work-in-progress chip in the nav and on the home table, and no
other page does; the 404 page is in the language of its path, and its menu opens the nav on a phone.
Screenshots: test-artifacts/screenshots/phone-all/ (every page at 390 px, follow-ups open; the
whole page for the home and topic pages, the first screen of the others) and
test-artifacts/screenshots/reader/<width>/ (the 404 pages).
"""

from __future__ import annotations

import ast
import code
import doctest
import re
import traceback
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from dlbrowser import PHONE, SETTLED_JS, Visit
from dlcheck import WIDTHS
from dlpages import (
    DOCS,
    LANGUAGES,
    SitePage,
    all_pages,
    mkdocs_config,
    question_pages,
    whole_page_screenshot,
)
from dlserver import SiteServer

pytestmark = pytest.mark.browser


# Theme strings that used to show in English on /zh/ pages, and their kin.
ENGLISH_THEME_STRINGS = (
    "Permanent link",  # heading permalinks (toc extension)
    "Dark mode",
    "Light mode",
    "Switch to",  # palette toggles
    "Made with",  # footer
    "Copy to Clipboard",
    "Copy to clipboard",
    "Copied!",  # mkdocs-jupyter's widget, Material's copy button
    "Back to top",
    "Table of contents",
    "Previous",
    "Next",
    "Search",
    "Source code in",
    "Parameters:",
    "Returns:",
    "Raises:",
    "Examples:",  # mkdocstrings section labels
    "Work in progress",
    "Download this notebook",
    "No description has been provided",  # nbconvert's alt text for a cell's figure
)
# A title/aria-label/placeholder of a Chinese page without any Chinese in it has no run of two
# English words (names such as "PyTorch" are one word); the exceptions are names.
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,})+")
NAMES = {"Material for MkDocs"}
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\(\))?$"

REPORT_JS = """({identifier}) => {
  const content = document.querySelector('.md-content');
  const visible = el => el.getClientRects().length > 0;
  const describe = el => {
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '';
    return `${el.tagName.toLowerCase()}${cls} "${(el.textContent || '').trim().slice(0, 40)}"`;
  };
  const px = el => parseFloat(getComputedStyle(el).fontSize);

  // theme strings: text outside the article, and chrome inside it; attributes everywhere
  const chrome = [...document.querySelectorAll(
    '.md-header, .md-sidebar, .md-footer, .md-search, .md-top, .md-dialog, .headerlink, '
    + '.md-clipboard, .md-code__button, clipboard-copy, .jp-InputArea .notice, '
    + '.doc-section-title, .doc-md-description + *, .md-source-file, .md-content__button, '
    + '.dl-status, .md-status')];
  const texts = chrome.map(el => el.textContent.replace(/\\s+/g, ' ').trim()).filter(Boolean);
  const attrs = [...document.querySelectorAll('[title], [aria-label], [placeholder], img[alt]')]
    .filter(el => !el.closest('.md-content pre, .md-content code, .arithmatex'))
    .flatMap(el => ['title', 'aria-label', 'placeholder', 'alt']
      .filter(a => el.hasAttribute(a)).map(a => el.getAttribute(a)));
  const pseudo = [...document.querySelectorAll('.md-status')]
    .map(el => getComputedStyle(el, '::after').content);

  // wide content
  const scrollers = [], clipped = [];
  for (const el of content.querySelectorAll('*')) {
    if (!visible(el) || el.clientWidth === 0) continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    const style = getComputedStyle(el);
    if (style.overflowX === 'auto' || style.overflowX === 'scroll') {
      scrollers.push(el);
    } else if ((style.overflowX === 'hidden' || style.overflowX === 'clip')
               && el.textContent.trim() && !el.closest('.katex')) {
      clipped.push(describe(el));
    }
  }
  const mask = el => {
    const s = getComputedStyle(el);
    return s.maskImage && s.maskImage !== 'none' ? s.maskImage : s.webkitMaskImage;
  };
  const atStart = scrollers.map(el => ({what: describe(el), hint: el.dataset.dlScroll || null,
                                        mask: mask(el) || 'none'}));
  scrollers.forEach(el => { el.scrollLeft = el.scrollWidth; });

  // type
  const body = px(content.querySelector('.md-typeset'));
  const small = [...content.querySelectorAll(
      '.admonition p, .admonition li, details p, details li, summary, .admonition-title, '
      + 'table:not([class]) td, table:not([class]) th')]
    .filter(visible).filter(el => px(el) < body - 0.05)
    .map(el => `${describe(el)} ${px(el)}px`);
  const codeSize = body * 0.85;
  const smallCode = [...content.querySelectorAll(':not(pre) > code')]
    .filter(visible).filter(el => !el.closest('pre, .highlight, h1, h2, h3, h4, h5, h6'))
    .filter(el => px(el) < codeSize - 0.05).map(el => `${describe(el)} ${px(el)}px`);
  const headings = [...content.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible)
    .map(el => ({what: describe(el), weight: Number(getComputedStyle(el).fontWeight)}));
  const re = new RegExp(identifier);
  const broken = [...content.querySelectorAll(':not(pre) > code')]
    .filter(el => visible(el) && re.test(el.textContent.trim()))
    .filter(el => {
      const lines = new Set([...el.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size < 2) return false;
      // broken although it fits on a line of its block?
      const block = el.closest('p, li, td, th, dd, dt, h1, h2, h3, h4, h5, h6, div');
      const saved = el.getAttribute('style');
      el.style.whiteSpace = 'nowrap';
      el.style.display = 'inline-block';
      const whole = el.getBoundingClientRect().width;
      if (saved === null) el.removeAttribute('style'); else el.setAttribute('style', saved);
      return whole <= block.clientWidth;
    })
    .map(describe);

  return {
    scrollWidth: document.scrollingElement.scrollWidth, width: window.innerWidth,
    texts, attrs, pseudo, clipped, atStart, body, small, smallCode, headings, broken,
  };
}"""

AT_END_JS = """() => [...document.querySelectorAll('.md-content [data-dl-watched]')]
  .filter(el => el.getClientRects().length && el.scrollWidth > el.clientWidth + 1)
  .map(el => ({hint: el.dataset.dlScroll || null, left: el.scrollLeft,
               max: el.scrollWidth - el.clientWidth}))"""

OPEN_DETAILS_JS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


def measure(visit: Visit, page: SitePage, width: str, screenshots: Path) -> dict:
    """Everything the tests below check, on ``page`` loaded at ``width`` (in the load shared
    with the page and accessibility checks: tests/browser/dlcheck.py)."""
    visit.page.evaluate(OPEN_DETAILS_JS)
    visit.page.evaluate(SETTLED_JS)
    visit.page.evaluate(SETTLED_JS)  # ResizeObserver callbacks for the opened follow-ups
    if width == "390":  # (tests/browser/test_pages.py takes every page at 1280 px)
        full = whole_page_screenshot(page.name)
        visit.screenshot(screenshots / "phone-all" / page.slug, full_page=full)
    found = visit.page.evaluate(REPORT_JS, {"identifier": IDENTIFIER})
    visit.page.evaluate(SETTLED_JS)
    found["atEnd"] = visit.page.evaluate(AT_END_JS)
    return found


def traffic(visit: Visit) -> dict:
    """Responses >= 400, failed requests and console errors of the whole visit so far."""
    return {
        "bad_status": [f"HTTP {s}: {u}" for u, s in visit.bad_status],
        "failed": list(visit.failed),
        "console": [f"{text} {url}".strip() for text, url in visit.console_errors],
    }


def report(look: Callable[[SitePage, str], dict], page: SitePage, width: str) -> dict:
    return look(page, width)["reader"]


def check(problems: list[str], page: SitePage, width: str) -> None:
    assert not problems, f"{page.id} at {width} px:\n- " + "\n- ".join(problems)


PAGES = pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.id)
WIDTH = pytest.mark.parametrize("width", WIDTHS)


@PAGES
@WIDTH
def test_no_failed_request_or_console_error(
    look: Callable[[SitePage, str], dict], page: SitePage, width: str
) -> None:
    found = report(look, page, width)
    check(found["bad_status"] + found["failed"] + found["console"], page, width)


@PAGES
@WIDTH
def test_theme_strings_in_page_language(
    look: Callable[[SitePage, str], dict], page: SitePage, width: str
) -> None:
    found = report(look, page, width)
    strings = found["texts"] + found["attrs"] + found["pseudo"]
    problems = []
    if page.lang == "zh":
        for english in ENGLISH_THEME_STRINGS:
            hits = [s for s in strings if english in s]
            if hits:
                problems.append(f"English theme string {english!r} in {hits[:3]}")
        # (a Chinese label may quote an English term: 批量归一化（Batch Normalization）)
        phrases = {
            m.group(0)
            for value in found["attrs"] + found["pseudo"]
            if not CJK.search(value)
            for m in ENGLISH_PHRASE.finditer(value)
            if m.group(0) not in NAMES
        }
        problems += [
            f"English in a title/aria-label/placeholder/alt: {p!r}" for p in sorted(phrases)
        ]
    else:
        problems += [
            f"Chinese in a title/aria-label/placeholder/alt: {a!r}"
            for a in found["attrs"]
            if CJK.search(a)
        ]
    check(problems, page, width)


@PAGES
@WIDTH
def test_wide_content_scrolls_with_a_hint(
    look: Callable[[SitePage, str], dict], page: SitePage, width: str
) -> None:
    found = report(look, page, width)
    problems = []
    if found["scrollWidth"] > found["width"]:
        problems.append(f"the page scrolls sideways: scrollWidth {found['scrollWidth']}")
    problems += [f"content clipped, not scrollable: {what}" for what in found["clipped"]]
    for box in found["atStart"]:
        if box["hint"] != "right" or box["mask"] == "none":
            problems.append(f"no scroll hint on the right: {box}")
    for box in found["atEnd"]:
        if box["left"] < box["max"] - 1 or box["hint"] != "left":
            problems.append(f"scrolled to its end, the hint did not move left: {box}")
    if len(found["atEnd"]) != len(found["atStart"]):
        problems.append(
            f"{len(found['atStart'])} wide boxes, {len(found['atEnd'])} watched by reader.js"
        )
    check(problems, page, width)


@PAGES
@WIDTH
def test_type_sizes_and_weights(
    look: Callable[[SitePage, str], dict], page: SitePage, width: str
) -> None:
    found = report(look, page, width)
    problems = [f"smaller than body text ({found['body']}px): {s}" for s in found["small"]]
    problems += [f"code smaller than body code: {s}" for s in found["smallCode"]]
    problems += [f"identifier broken across lines: {s}" for s in found["broken"]]
    if page.lang == "zh":
        # The CJK system fonts have no light face: a light heading mixes thin Latin with
        # regular Hanzi.
        problems += [
            f"light heading on a Chinese page: {h['what']} weight {h['weight']}"
            for h in found["headings"]
            if h["weight"] < 400
        ]
    check(problems, page, width)


# -- language switcher -------------------------------------------------------------------------

SECTION = "batch-norm"
ANCHOR = "running-stats"  # a heading id of docs/batch-norm.{en,zh}.md
SCROLLED_TO = "exp-lr"


def heading_ids(name: str, lang: str) -> set[str]:
    return set(re.findall(r"\{ *#([\w-]+) *\}", (DOCS / f"{name}.{lang}.md").read_text("utf-8")))


def switch(visit: Visit, lang: str) -> tuple[str, list[str]]:
    """Use the header's language menu; return the URL reached and the redirects on the way."""
    page = visit.page
    page.hover(".md-header .md-select")
    link = page.locator(f'.md-header .md-select__link[hreflang="{lang}"]')
    with page.expect_navigation(wait_until="load") as navigation:
        link.click()
    response = navigation.value
    redirects, request = [], response.request.redirected_from
    while request is not None:
        redirects.append(request.url)
        request = request.redirected_from
    assert response.status == 200, f"{response.url}: HTTP {response.status}"
    visit.settle()
    return page.url, redirects


# Each case switches both ways from a section link, then once after scrolling: the two cases
# cover both widths and both languages (one language per width; what differs with the width is
# the header's height and the menu's place, with the language only the heading ids, which
# tests/test_parity.py keeps the same).
SWITCH_CASES = [(LANGUAGES[0], "390"), (LANGUAGES[1], "1280")]


@pytest.mark.parametrize(("lang", "width"), SWITCH_CASES)
def test_language_switch_keeps_the_section(
    visit: Visit, root_server: SiteServer, lang: str, width: str
) -> None:
    assert {ANCHOR, SCROLLED_TO} <= heading_ids(SECTION, "en") & heading_ids(SECTION, "zh")
    here = SitePage(SECTION, lang)
    there = here.other
    visit.page.set_viewport_size(WIDTHS[width])

    # From a link to a section, and back
    visit.open(f"{here.path}#{ANCHOR}")
    url, redirects = switch(visit, there.lang)
    assert (url, redirects) == (root_server.url(f"{there.path}#{ANCHOR}"), [])
    top = visit.page.evaluate(
        "(id) => document.getElementById(id).getBoundingClientRect().top", ANCHOR
    )
    assert -2 <= top < 200, f"landed, but #{ANCHOR} is at {top}px from the top"
    url, redirects = switch(visit, here.lang)
    assert (url, redirects) == (root_server.url(f"{here.path}#{ANCHOR}"), [])

    # After scrolling to a section without a link to it
    visit.open(here.path)
    # (twice: figures above it may still be loading and push it down)
    for _ in range(2):
        visit.page.evaluate("(id) => document.getElementById(id).scrollIntoView()", SCROLLED_TO)
        visit.wait_quiet()
        visit.page.evaluate(SETTLED_JS)
    top = visit.page.evaluate(
        "(id) => document.getElementById(id).getBoundingClientRect().top", SCROLLED_TO
    )
    assert -2 <= top < 200, f"#{SCROLLED_TO} scrolled to {top}px from the top"
    url, redirects = switch(visit, there.lang)
    assert (url, redirects) == (root_server.url(f"{there.path}#{SCROLLED_TO}"), [])
    assert not visit.problems(), visit.problems()


# -- console sessions: the copy button copies code that pastes into Python --------------------

CAPTURE_COPY_JS = """() => {
  window.__dlCopied = [];
  document.addEventListener('copy', event => {
    const t = event.target;
    const text = t && typeof t.value === 'string' && typeof t.selectionStart === 'number'
      ? t.value.slice(t.selectionStart, t.selectionEnd) : String(document.getSelection());
    window.__dlCopied.push(text);
  }, true);
}"""

SESSIONS_JS = """() => [...document.querySelectorAll('.md-content .highlight')]
  .filter(block => block.querySelector('.gp'))
  .map((block, i) => {
    block.dataset.dlSession = String(i);
    return {shown: block.querySelector('code').textContent};
  })"""

# Click every session's copy button in one evaluation (a Playwright click per button took about
# 0.7 s on the API page, 106 sessions per language): each button is scrolled into view and must
# be what a pointer at its centre hits (visible, not covered: what Playwright's click checks
# before it clicks), then clicked; the text of the copy event is recorded.
COPY_ALL_JS = """(count) => [...Array(count).keys()].map(i => {
  const button = document.querySelector(
    `[data-dl-session="${i}"] button.md-code__button[data-md-type="copy"]`);
  if (!button) return {hit: false, copied: null, found: 'no copy button'};
  button.scrollIntoView({block: 'center'});
  const r = button.getBoundingClientRect();
  const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  const hit = r.width > 0 && r.height > 0 && !!at && button.contains(at);
  const before = window.__dlCopied.length;
  button.click();
  const copied = window.__dlCopied.length > before ? window.__dlCopied.at(-1) : null;
  return {hit, copied, found: at ? at.outerHTML.slice(0, 80) : null};
})"""


class PastedStatements(code.InteractiveConsole):
    """Reads pasted lines the way Python's interactive console does, without running them:
    each statement the console would run is kept (as its syntax tree), a syntax error as text.
    The statements themselves run once, from the sources, under Sybil (conftest.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.statements: list[str] = []
        self.errors: list[str] = []
        self._source = ""

    def runsource(self, source: str, filename: str = "<input>", symbol: str = "single") -> bool:
        self._source = source
        return super().runsource(source, filename, symbol)

    def runcode(self, code: types.CodeType) -> None:
        tree = ast.parse(self._source)
        if tree.body:  # not a blank line (it ends a compound statement) or a comment
            self.statements.append(ast.dump(tree))

    def showsyntaxerror(self, filename: str | None = None, **kwargs: object) -> None:
        self.errors.append(traceback.format_exc(limit=0).strip())

    @classmethod
    def read(cls, text: str) -> PastedStatements:
        console = cls()
        more = False
        for line in text.splitlines():
            more = console.push(line)
        if more:
            console.push("")
        return console


def session_statements(shown: str) -> list[str]:
    """The statements of a ``>>>`` session as shown (syntax trees, comments and layout aside)."""
    return [ast.dump(ast.parse(e.source)) for e in doctest.DocTestParser().get_examples(shown)]


def measure_sessions(visit: Visit) -> dict:
    """The console sessions of the loaded page (follow-ups open) and what each copy button
    copies (in the load shared with the other page checks: tests/browser/dlcheck.py)."""
    visit.page.evaluate(CAPTURE_COPY_JS)
    blocks = visit.page.evaluate(SESSIONS_JS)
    clicks = visit.page.evaluate(COPY_ALL_JS, len(blocks)) if blocks else []
    return {
        "blocks": blocks,
        "clicks": clicks,
        "events": visit.page.evaluate("() => window.__dlCopied.length"),
    }


# A code block of the built page that is a console session (a ">>> " prompt in it).
HIGHLIGHT_BLOCK = re.compile(
    r'<div class="(?:language-\w+ )?highlight"[^>]*>(.*?)</code></pre>', re.DOTALL
)


def sessions_in_html(html: str) -> int:
    return sum('class="gp"' in block for block in HIGHLIGHT_BLOCK.findall(html))


def test_the_console_session_check_sees_sessions(site_dir: Path) -> None:
    """The pages known to hold ``>>>`` sessions have them in both languages, as the check
    below counts them (otherwise it would have nothing to check)."""
    for lang in LANGUAGES:
        for name in ("batch-norm", "api/norm"):
            html = SitePage(name, lang).html_file(site_dir).read_text("utf-8")
            assert sessions_in_html(html) >= 1, f"{lang}:{name}"


@PAGES
@WIDTH
def test_console_sessions_copy_code_only(
    look: Callable[[SitePage, str], dict], page: SitePage, width: str, site_dir: Path
) -> None:
    found = look(page, width)["sessions"]
    blocks, clicks = found["blocks"], found["clicks"]
    html = page.html_file(site_dir).read_text("utf-8")
    assert len(blocks) == sessions_in_html(html), "sessions in the browser and in the HTML"
    assert found["events"] == len(blocks), "one copy event per copy button clicked"
    problems, sessions = [], []
    for i, (block, click) in enumerate(zip(blocks, clicks, strict=True)):
        where = f"block {i + 1}"
        if not click["hit"]:
            problems.append(f"{where}: the copy button is not what a click there reaches: {click}")
        if click["copied"] is None:
            problems.append(f"{where}: clicking the copy button copied nothing")
        sessions.append({**block, "copied": click["copied"], "where": where})
    for s in sessions:
        shown = s["shown"].splitlines()
        code = [ln[4:] for ln in shown if ln.startswith((">>> ", "... ")) and ln[4:].strip()]
        copied = [ln for ln in (s["copied"] or "").splitlines() if ln.strip()]
        if copied != code:
            problems.append(f"{s['where']}: copied {copied}, expected the code only: {code}")
        # pasted into Python's console, the copied text is the session's statements, one by one
        pasted = PastedStatements.read(s["copied"] or "")
        if pasted.errors or pasted.statements != session_statements(s["shown"]):
            problems.append(
                f"{s['where']}: pasted into Python, the copied text is not the session's "
                f"{len(session_statements(s['shown']))} statements: "
                f"{len(pasted.statements)} statements, errors {pasted.errors}"
            )
    check(problems, page, width)


# -- work-in-progress marks --------------------------------------------------------------------

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def page_status(name: str, lang: str) -> str | None:
    source = DOCS / f"{name}.{lang}.md"
    if not source.exists():  # a notebook
        return None
    match = FRONT_MATTER.match(source.read_text("utf-8"))
    return (yaml.safe_load(match.group(1)) or {}).get("status") if match else None


def status_label(lang: str, status: str) -> str:
    config = mkdocs_config()
    labels = (config.get("extra") or {}).get("status", {})
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "i18n" in plugin:
            for language in plugin["i18n"]["languages"]:
                if language["locale"] == lang and "extra" in language:
                    labels = language["extra"].get("status", labels)
    return labels[status]


MARKS_JS = """() => {
  const chip = el => el ? {text: el.classList.contains('md-status')
      ? getComputedStyle(el, '::after').content.replace(/^"|"$/g, '') : el.textContent.trim(),
    width: el.classList.contains('md-status') ? el.getBoundingClientRect().width
      : el.getBoundingClientRect().width} : null;
  const nav = {};
  document.querySelectorAll('.md-nav--primary a.md-nav__link[href]').forEach(a => {
    nav[new URL(a.href).pathname] = chip(a.querySelector('.md-status--draft'));
  });
  const table = {};
  document.querySelectorAll('.md-content table a[href]').forEach(a => {
    const cell = a.closest('td');
    table[new URL(a.href).pathname] = chip(cell.querySelector('.dl-status--draft'));
  });
  return {nav, table};
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
@WIDTH
def test_only_draft_pages_are_marked(
    visit: Visit, root_server: SiteServer, lang: str, width: str
) -> None:
    """A page with ``status: draft`` is marked in the nav and the home table; no other page is.

    With every question written there is no draft, and this checks that nothing is marked; how
    the mark is written into the home table is also tested without a browser
    (``tests/test_reader_hooks.py``).
    """
    names = sorted({p.name for p in all_pages()})
    drafts = {n for n in names if n != "index" and page_status(n, lang) == "draft"}
    for name in drafts:
        assert page_status(name, SitePage(name, lang).other.lang) == "draft", (
            f"{name}: the draft mark must be in both languages"
        )
    label = status_label(lang, "draft")
    visit.page.set_viewport_size(WIDTHS[width])
    visit.open(SitePage("index", lang).path)
    if width == "390":
        visit.page.locator('label.md-header__button[for="__drawer"]').click()
        visit.page.wait_for_timeout(400)
    marks = visit.page.evaluate(MARKS_JS)
    problems = []
    for where in ("nav", "table"):
        for name in names:
            path = "/" + SitePage(name, lang).path
            if path not in marks[where]:
                continue
            mark = marks[where][path]
            if name in drafts and (mark is None or mark["text"] != label or mark["width"] < 10):
                problems.append(f"{where}: {name} is a draft, mark {mark}, expected {label!r}")
            if name not in drafts and mark is not None:
                problems.append(f"{where}: {name} is not a draft but is marked {mark}")
        # every question (and any draft) is linked, so "no mark" was looked for
        wanted = sorted(drafts | set(question_pages()))
        missing = [n for n in wanted if "/" + SitePage(n, lang).path not in marks[where]]
        if missing:
            problems.append(f"{where}: no link to the pages {missing}")
    assert not problems, f"{lang} at {width} px:\n- " + "\n- ".join(problems)


# -- 404 page in the language of its path --------------------------------------------------------

MISSING = {"en": "no/such/page/", "zh": "zh/no/such/page/"}
NOT_FOUND_JS = """() => ({
  lang: document.documentElement.lang,
  title: document.querySelector('.md-header__topic .md-ellipsis').textContent.trim(),
  search: document.querySelector('.md-search__input').getAttribute('placeholder'),
  nav: [...document.querySelectorAll('.md-nav--primary a.md-nav__link[href]')].map(a => a.href),
})"""
DRAWER_JS = """() => {
  const link = document.querySelector('.md-nav--primary .md-nav__item a.md-nav__link[href]');
  const r = link.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {left: r.left, right: r.right, hit: !!hit && link.contains(hit), href: link.href};
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
@WIDTH
def test_not_found_page_in_path_language(
    visit: Visit, root_server: SiteServer, lang: str, width: str, screenshots: Path
) -> None:
    config = mkdocs_config()
    i18n = next(p["i18n"] for p in config["plugins"] if isinstance(p, dict) and "i18n" in p)
    names = {
        entry["locale"]: entry.get("site_name", config["site_name"]) for entry in i18n["languages"]
    }
    searches = {"en": "Search", "zh": "搜索"}
    home = root_server.url(SitePage("index", lang).path)
    visit.page.set_viewport_size(WIDTHS[width])
    visit.open(MISSING[lang], status=404)
    shown = visit.page.evaluate(NOT_FOUND_JS)
    problems = visit.problems(expected_404=root_server.url(MISSING[lang]))
    expected = {"lang": lang, "title": names[lang], "search": searches[lang]}
    if {k: shown[k] for k in expected} != expected:
        problems.append(f"header {shown}, expected {expected}")
    question_urls = {root_server.url(SitePage(n, lang).path) for n in ("batch-norm", "sgd")}
    if not question_urls <= set(shown["nav"]) or not all(u.startswith(home) for u in shown["nav"]):
        problems.append(f"nav links {shown['nav']} are not the {lang} pages")
    if width == "390":
        visit.page.locator('label.md-header__button[for="__drawer"]').click()
        visit.page.wait_for_timeout(400)
    drawer = visit.page.evaluate(DRAWER_JS)
    if not (drawer["hit"] and 0 <= drawer["left"] < drawer["right"] <= WIDTHS[width]["width"]):
        problems.append(f"the nav is not on screen (menu opened at {width} px): {drawer}")
    visit.screenshot(screenshots / "reader" / width / f"404-{lang}")
    assert not problems, f"{MISSING[lang]} at {width} px:\n- " + "\n- ".join(problems)


NOTEBOOK_JS = """() => {
  const inner = document.querySelector('.md-content__inner').getBoundingClientRect().width;
  const cells = [...document.querySelectorAll('.jp-InputArea-editor, .jp-OutputArea-output')]
    .map(el => el.getBoundingClientRect().width);
  const images = [...document.querySelectorAll('.jp-OutputArea-output img')]
    .map(img => ({width: img.getBoundingClientRect().width, natural: img.naturalWidth}));
  return {inner, cells, images};
}"""


@pytest.mark.parametrize(
    "page", [p for p in all_pages() if p.name.startswith("notebooks/")], ids=lambda p: p.id
)
def test_notebook_cells_use_the_full_width_on_a_phone(visit: Visit, page: SitePage) -> None:
    # The In [n]/Out [n] prompts took a third of a 390 px column: code and figures were squeezed.
    visit.page.set_viewport_size(PHONE)
    visit.open(page.path)
    found = visit.page.evaluate(NOTEBOOK_JS)
    inner = found["inner"]
    assert found["cells"] and found["images"], "no code cell or figure found"
    narrow = [round(w) for w in found["cells"] if w < 0.95 * inner]
    assert not narrow, f"cells narrower than 95% of the {inner:.0f} px column: {narrow}"
    small = [i for i in found["images"] if i["width"] < min(i["natural"], 0.95 * inner) - 1]
    assert not small, f"figures squeezed below their width or the column's: {small}"


# A closed answer is not rendered on screen (extra.css: display: none, not the browser's
# content-visibility: hidden, which Material's start-up measurements made costly): its code
# block has no box. A click on its question opens it, and the answer is laid out: its code
# block, with the copy button Material gave it at load, and its formulas.
CLOSED_ANSWER_JS = """() => {
  const answer = [...document.querySelectorAll('.md-content details.question:not([open])')]
    .find(d => d.querySelector('pre') && d.querySelector('.katex'));
  if (!answer) return null;
  answer.setAttribute('data-dl-probe', '');
  const boxes = el => el.getClientRects().length;
  return {code: boxes(answer.querySelector('pre')),
          summary: boxes(answer.querySelector('summary'))};
}"""
OPENED_ANSWER_JS = """() => {
  const answer = document.querySelector('details[data-dl-probe]');
  const width = el => el.getBoundingClientRect().width;
  return {open: answer.open, code: width(answer.querySelector('pre')),
          copy: !!answer.querySelector('pre .md-code__nav, pre .md-clipboard, .md-code__button'),
          formulas: [...answer.querySelectorAll('.katex')].map(width)};
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_closed_answers_cost_nothing_until_opened(visit: Visit, lang: str) -> None:
    page = SitePage(question_pages()[0], lang)
    visit.open(page.path)
    closed = visit.page.evaluate(CLOSED_ANSWER_JS)
    assert closed is not None, f"{page.id}: no closed answer with code and a formula"
    assert closed == {"code": 0, "summary": 1}, f"{page.id}: a closed answer is rendered: {closed}"
    visit.page.locator("details[data-dl-probe] > summary").click()
    opened = visit.page.evaluate(OPENED_ANSWER_JS)
    assert opened["open"] and opened["code"] > 100 and opened["copy"], f"{page.id}: {opened}"
    assert opened["formulas"] and min(opened["formulas"]) > 0, f"{page.id}: {opened}"
