"""Polish a reader sees on a phone and in the dark scheme (issue 27, item 6), both languages.

- **The home page's question table at 390 px** is a list of cards: no sideways scrolling, no
  text cut at the edge, each one-line answer at the column's full width, and the whole table
  under ``HOME_TABLE_MAX_PX``; its first column says the numbers are the source article's.
- **Code blocks at 390 px** hold as many characters per line as Material's mobile defaults give:
  on every page, the first visible block of each kind (top level, inside an admonition or
  follow-up, inside a tab, elsewhere) is measured twice in the same load, with the site's
  stylesheets and with the theme's alone, and the characters per line, the code's font size
  and padding must be the same.
- **Figures in the dark scheme**: each figure shows its ``#only-dark`` variant (the other is
  hidden), and its rendered pixels are dark, not a white box: mean luminance at most
  ``DARK_FIGURE_MAX``; its background is the page's. In the light scheme the light variant is
  the one shown (its pixels are not measured: the light figures are the drawn ones). The dark
  colours the figures are drawn with (``plotting.DARK``) are the page's.

Every measurement is made in the load of the page the page, reader and accessibility checks
share (tests/browser/dlcheck.py, through ``test_pages.measure_desktop`` / ``measure_phone``, and
``measure_dark`` after the accessibility checks' dark run): no extra page load or scheme switch.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from dlbrowser import SETTLED_JS, Visit
from dlpages import SitePage, all_pages, question_pages

pytestmark = pytest.mark.browser

# Measured after the cards layout: 1,717 px (en) and 1,231 px (zh); as a three-column table
# it was 4,947 px (en) and 3,105 px (zh). About 10 % room for an edited answer.
HOME_TABLE_MAX_PX = {"en": 1900, "zh": 1350}
SOURCE_NUMBER_HEADER = {"en": "No. in the source", "zh": "原文题号"}
# Mean luminance (0 black .. 1 white, sRGB-weighted) of a figure's pixels. Seen in the dark
# scheme: 0.15 to 0.39 (the highest: conv-filters, whose digit images are white data); the
# light variants measure 0.76 to 0.97.
DARK_FIGURE_MAX = 0.5

HOME_TABLE_JS = """() => {
  const table = document.querySelector('.dl-questions table');
  if (!table) return null;
  const width = window.innerWidth;
  const wrap = table.closest('.md-typeset__scrollwrap') || table.parentElement;
  const rows = [...table.querySelectorAll('tbody tr')];
  const cut = [];
  for (const cell of table.querySelectorAll("tbody td")) {  // (the header is not shown)
    const r = cell.getBoundingClientRect();
    if (r.left < -1 || r.right > width + 1 || cell.scrollWidth > cell.clientWidth + 1)
      cut.push(`${cell.textContent.trim().slice(0, 40)} [${Math.round(r.left)}, `
        + `${Math.round(r.right)}], scrollWidth ${cell.scrollWidth} > ${cell.clientWidth}`);
  }
  const tableWidth = table.getBoundingClientRect().width;
  return {
    height: table.getBoundingClientRect().height,
    header: table.querySelector('thead th').textContent.trim(),
    wrap: [wrap.scrollWidth, wrap.clientWidth],
    page: [document.scrollingElement.scrollWidth, width],
    cut,
    narrowAnswers: rows.map(r => r.lastElementChild.getBoundingClientRect().width)
      .filter(w => w < 0.9 * tableWidth).length,
    rows: rows.length,
  };
}"""

# Per kind of code block, the first visible one: how many characters of its font fit a line
# (a probe span of 200 zeros gives the width of one), its font size and left/right padding.
# With ``themeOnly`` every stylesheet but Material's own (main.*.css, palette.*.css) is off
# during the measurement, then on again.
CODE_FIT_JS = """(themeOnly) => {
  const theme = /\\/assets\\/stylesheets\\/(main|palette)\\.[0-9a-f]+\\.min\\.css$/;
  const off = themeOnly ? [...document.styleSheets].filter(s => !(s.href && theme.test(s.href))
    && !s.disabled) : [];
  off.forEach(s => { s.disabled = true; });
  try {
    const kind = pre => pre.closest('.admonition, details') ? 'admonition or details'
      : pre.closest('.tabbed-block') ? 'tab'
      : pre.parentElement.parentElement.classList.contains('md-content__inner') ? 'top level'
      : 'other';
    const found = {};
    for (const code of document.querySelectorAll('.md-content pre > code')) {
      const k = kind(code.parentElement);
      if (k in found || !code.getClientRects().length) continue;
      const s = getComputedStyle(code);
      const probe = document.createElement('span');
      probe.textContent = '0'.repeat(200);
      code.appendChild(probe);
      const char = probe.getBoundingClientRect().width / 200;
      probe.remove();
      const text = code.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      found[k] = {chars: Math.floor(text / char + 1e-6), font: s.fontSize,
                  padding: `${s.paddingLeft} ${s.paddingRight}`};
    }
    return found;
  } finally {
    off.forEach(s => { s.disabled = false; });
  }
}"""

# Each figure <img> (both variants) with whether it is displayed, and where it is.
FIGURES_JS = """() => [...document.querySelectorAll('.md-content img')]
  .filter(img => img.getAttribute('src').includes('assets/figures/'))
  .map((img, index) => ({index, src: img.getAttribute('src'),
                         shown: img.getClientRects().length > 0}))"""

COLOURS_JS = """() => {
  const body = getComputedStyle(document.body);
  const text = getComputedStyle(document.querySelector('.md-typeset'));
  return {background: body.backgroundColor, text: text.color};
}"""


def measure_phone(visit: Visit, page: SitePage) -> dict:
    """At 390 px: the home table (home page only) and the code blocks' characters per line."""
    found: dict = {"code": {}, "table": None}
    if page.name == "index":
        found["table"] = visit.page.evaluate(HOME_TABLE_JS)
    if not page.name.startswith("notebooks/"):  # mkdocs-jupyter's cells are not Material's
        site = visit.page.evaluate(CODE_FIT_JS, False)
        # the theme alone: only where there is code (turning stylesheets off lays out the page)
        theme = visit.page.evaluate(CODE_FIT_JS, True) if site else {}
        found["code"] = {"site": site, "theme": theme}
        visit.page.evaluate(SETTLED_JS)
    return found


def luminance(png: bytes) -> tuple[float, tuple[int, int, int]]:
    """Mean relative luminance (Rec. 709 weights on sRGB values, 0..1) and the top-left pixel."""
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("RGB")
    red, green, blue = ImageStat.Stat(image).mean
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255, image.getpixel((1, 1))


def figure_pixels(visit: Visit, *, pixels: bool) -> list[dict]:
    """Every displayed figure's variant, and with ``pixels`` its mean luminance and corner
    colour (screenshots; the page is scrolled back to the top after them)."""
    shown = []
    images = visit.page.locator(".md-content img")
    for figure in visit.page.evaluate(FIGURES_JS):
        if not figure["shown"]:
            continue
        found = {"src": figure["src"]}
        if pixels:
            png = images.nth(figure["index"]).screenshot(animations="disabled")
            mean, corner = luminance(png)
            found.update(luminance=round(mean, 3), corner=corner)
        shown.append(found)
    if pixels:
        visit.page.evaluate("() => window.scrollTo(0, 0)")
    return shown


def measure_desktop(visit: Visit, page: SitePage) -> dict:
    """At 1280 px, in the scheme the page loaded in (light): the figure variants shown."""
    images = visit.page.evaluate(FIGURES_JS)
    if not images:
        return {}
    # each figure is there once per scheme
    return {"figures": len(images) // 2, "light": {"shown": figure_pixels(visit, pixels=False)}}


def measure_dark(visit: Visit, page: SitePage) -> dict:
    """At 1280 px, after the accessibility checks' dark run (tests/browser/dlcheck.py): the
    figures as shown in the dark scheme, their pixels, and the page's colours."""
    import test_a11y

    if not visit.page.evaluate(FIGURES_JS):
        return {}
    test_a11y.set_scheme(visit, "dark")  # a no-op after axe's dark run
    visit.page.evaluate(SETTLED_JS)
    return {"dark": {"shown": figure_pixels(visit, pixels=True), **visit.page.evaluate(COLOURS_JS)}}


def rgb(css: str) -> tuple[int, int, int]:
    """``rgb(r, g, b)`` or ``rgba(r, g, b, a)`` over nothing: its channels (alpha dropped)."""
    channels = css[css.index("(") + 1 : -1].split(",")
    return tuple(round(float(c)) for c in channels[:3])  # type: ignore[return-value]


def over(css: str, background: tuple[int, int, int]) -> tuple[int, int, int]:
    """The colour ``rgba(...)`` composited over an opaque ``background``."""
    channels = [float(c) for c in css[css.index("(") + 1 : -1].split(",")]
    alpha = channels[3] if len(channels) == 4 else 1.0
    return tuple(  # type: ignore[return-value]
        round(alpha * c + (1 - alpha) * b) for c, b in zip(channels[:3], background, strict=True)
    )


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


HOME = [p for p in all_pages() if p.name == "index"]
NOT_NOTEBOOKS = [p for p in all_pages() if not p.name.startswith("notebooks/")]


@pytest.mark.parametrize("page", HOME, ids=lambda p: p.id)
def test_the_home_table_reads_on_a_phone(
    page: SitePage, look: Callable[[SitePage, str], dict]
) -> None:
    table = look(page, "390")["page"]["phone"]["table"]
    assert table is not None, "no .dl-questions table on the home page"
    problems = []
    if table["wrap"][0] > table["wrap"][1] or table["page"][0] > table["page"][1]:
        problems.append(
            f"scrolls sideways: (scrollWidth, width) {table['wrap']}, page {table['page']}"
        )
    problems += [f"cut: {cell}" for cell in table["cut"]]
    if table["narrowAnswers"]:
        problems.append(f"{table['narrowAnswers']} of {table['rows']} answers not full width")
    if table["height"] > HOME_TABLE_MAX_PX[page.lang]:
        problems.append(f"{table['height']:.0f} px tall > {HOME_TABLE_MAX_PX[page.lang]} px")
    if table["header"] != SOURCE_NUMBER_HEADER[page.lang]:
        problems.append(f"first column header {table['header']!r}: the numbers are unexplained")
    assert not problems, f"{page.id} at 390 px:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("page", NOT_NOTEBOOKS, ids=lambda p: p.id)
def test_code_lines_hold_what_the_theme_gives_on_a_phone(
    page: SitePage, look: Callable[[SitePage, str], dict]
) -> None:
    code = look(page, "390")["page"]["phone"]["code"]
    assert code["site"].keys() == code["theme"].keys()
    different = {
        kind: (site, code["theme"][kind])
        for kind, site in code["site"].items()
        if site != code["theme"][kind]
    }
    assert not different, f"{page.id} at 390 px, (site, theme alone) per kind: {different}"


FIGURE_PAGES = [p for p in all_pages() if p.name in question_pages()]


@pytest.mark.parametrize("page", FIGURE_PAGES, ids=lambda p: p.id)
def test_figures_follow_the_colour_scheme(
    page: SitePage, look: Callable[[SitePage, str], dict]
) -> None:
    from dlnotes.experiments import plotting

    seen = look(page, "1280")["page"]["schemes"]
    assert seen.get("figures"), f"{page.id}: no figure found"
    problems = []
    for scheme, suffix in (("dark", "#only-dark"), ("light", "#only-light")):
        shown = seen[scheme]["shown"]
        if len(shown) != seen["figures"] or not all(f["src"].endswith(suffix) for f in shown):
            problems.append(f"{scheme}: shown {[f['src'] for f in shown]}, expected each {suffix}")
    background = rgb(seen["dark"]["background"])
    for figure in seen["dark"]["shown"]:
        if figure["luminance"] > DARK_FIGURE_MAX:
            problems.append(f"dark: {figure['src']} is bright, luminance {figure['luminance']}")
        if not close(figure["corner"], background):
            problems.append(f"dark: {figure['src']} corner {figure['corner']} != page {background}")
    # The colours the figures are drawn with in the dark scheme are the page's.
    if not close(hex_rgb(plotting.DARK["#ffffff"]), background, 1):
        problems.append(f"plotting.DARK background {plotting.DARK['#ffffff']} != page {background}")
    text = over(seen["dark"]["text"], background)
    if not close(hex_rgb(plotting.DARK["#000000"]), text, 1):
        problems.append(f"plotting.DARK text {plotting.DARK['#000000']} != page {text}")
    assert not problems, f"{page.id}:\n- " + "\n- ".join(problems)
