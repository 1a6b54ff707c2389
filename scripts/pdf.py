"""``make pdf``: the PDF of every question, one per language, printed by Chromium from the built
site: ``dist-site/dlnotes.<lang>.pdf``.

Each language's print page (``print/``, written by ``hooks/print_book.py``) is opened in
headless Chromium (Debian's, driven by Playwright, as in the browser tests), over a local
server, and printed with Chromium's own ``page.pdf()``: A4, the site's name at the top of each
page and "page / pages" at the bottom, the PDF outline (bookmarks) from the headings. Before
printing:

- the follow-up answers are opened (``<details open>``; print.css opens them too);
- the fonts have loaded (the formulas are KaTeX's HTML, rendered at build time by
  hooks/formulas.py, in the vendored KaTeX fonts);
- each figure (an SVG drawn by the compute step) is drawn into a PNG at ``SCALE`` times its CSS
  size (about 290 dpi on paper) and shown instead: the PDF holds the figures as images, which
  every PDF reader and printer shows alike and ``pdfimages`` can list and measure
  (tests/browser/test_pdf.py).

Usage: ``python scripts/pdf.py [--site site] [--out dist-site]`` (``make pdf`` builds the site
first). Fonts are the system's: on Debian, ``fonts-wqy-microhei`` gives the Chinese text.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))
sys.path.insert(0, str(ROOT / "scripts"))  # when loaded from a file by the tests

import dlchromium  # noqa: E402
from _shared import languages  # noqa: E402

SCALE = 3  # figure pixels per CSS pixel: 96 px per inch x 3 = 288 dpi at the printed size
PAPER = "A4"
MARGIN = {"top": "16mm", "bottom": "16mm", "left": "15mm", "right": "15mm"}
# Header and footer, in Chromium's templates (the classes are filled in by Chromium).
HEADER = (
    '<div style="width:100%;margin:0 15mm;font:8px sans-serif;color:#555">'
    '<span class="title"></span></div>'
)
FOOTER = (
    '<div style="width:100%;margin:0 15mm;font:8px sans-serif;color:#555;text-align:center">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)

# Open the answers, wait for the figures, draw each into a PNG of SCALE times its size.
PREPARE_JS = """async (scale) => {
  document.querySelectorAll('.md-content details').forEach(d => { d.open = true; });
  const figures = [...document.querySelectorAll('.md-content img')]
    .filter(img => /\\/assets\\/figures\\/[^/]+\\.svg$/.test(new URL(img.src).pathname))
    .filter(img => img.getClientRects().length > 0);  // not the other colour scheme's copy
  figures.forEach(img => { img.loading = 'eager'; });
  await Promise.all(figures.map(img => img.decode().catch(() => null)));
  const drawn = [];
  for (const img of figures) {
    const source = img.currentSrc || img.src;
    if (!img.naturalWidth) { drawn.push({src: source, width: 0, height: 0}); continue; }
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(img.naturalWidth * scale);
    canvas.height = Math.round(img.naturalHeight * scale);
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(img, 0, 0, canvas.width, canvas.height);
    if (!img.getAttribute('width')) img.setAttribute('width', img.naturalWidth);
    if (!img.getAttribute('height')) img.setAttribute('height', img.naturalHeight);
    img.src = canvas.toDataURL('image/png');
    await img.decode();
    drawn.push({src: source, width: canvas.width, height: canvas.height});
  }
  return drawn;
}"""

# Formulas: drawn by KaTeX (.katex), none failed (.katex-error), none left as TeX source.
FORMULAS_JS = """() => ({
  katex: document.querySelectorAll('.md-content .katex').length,
  errors: document.querySelectorAll('.md-content .katex-error').length,
  unrendered: [...document.querySelectorAll('.md-content .arithmatex')]
    .filter(e => !e.querySelector('.katex')).length,
})"""

# In print layout: code blocks whose text is wider than their box (cut off on paper), the
# block or the code element in it.
CUT_CODE_JS = """() => [...document.querySelectorAll('.md-content pre')]
  .filter(pre => [pre, ...pre.querySelectorAll(':scope > code')]
    .some(box => box.scrollWidth > box.clientWidth + 1))
  .map(pre => pre.textContent.slice(0, 80))"""


def print_page_path(lang: str, langs: tuple[str, ...]) -> str:
    """The print page's URL path relative to the site root: ``print/``, ``zh/print/``."""
    return "print/" if lang == langs[0] else f"{lang}/print/"


def print_book(page: Any, url: str, pdf: Path) -> dict[str, Any]:
    """Print the book at ``url`` with a Playwright ``page`` to ``pdf``; return what was checked
    on the way: the figures drawn, the formulas rendered, code cut off in print layout."""
    page.goto(url, wait_until="load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    figures = page.evaluate(PREPARE_JS, SCALE)
    formulas = page.evaluate(FORMULAS_JS)
    page.emulate_media(media="print")
    # A4's width less the margins, in CSS pixels: the width the PDF lays the page out at.
    page.set_viewport_size({"width": 680, "height": 1000})
    cut = page.evaluate(CUT_CODE_JS)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(
        path=pdf,
        format=PAPER,
        margin=MARGIN,
        print_background=True,
        display_header_footer=True,
        header_template=HEADER,
        footer_template=FOOTER,
        outline=True,
        tagged=True,
    )
    page.emulate_media(media="screen")
    return {"figures": figures, "formulas": formulas, "cut": cut}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def chromium() -> str:
    path = dlchromium.executable()
    if path is None:
        sys.exit("Chromium not found: sudo apt-get install chromium fonts-wqy-microhei")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--out", type=Path, default=ROOT / "dist-site")
    args = parser.parse_args()
    langs = languages()
    missing = [
        lang
        for lang in langs
        if not (args.site / print_page_path(lang, langs) / "index.html").is_file()
    ]
    if missing:
        sys.exit(f"no print page for {missing} in {args.site}: build the site first (make build)")
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(args.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium(), headless=True, args=dlchromium.ARGS
            )
            page = browser.new_page()
            for lang in langs:
                pdf = args.out / f"dlnotes.{lang}.pdf"
                found = print_book(page, base + print_page_path(lang, langs), pdf)
                if found["cut"]:
                    problems.append(f"{lang}: code cut off: {found['cut']}")
                formulas = found["formulas"]
                if formulas["errors"] or formulas["unrendered"] or not formulas["katex"]:
                    problems.append(f"{lang}: formulas not rendered: {found['formulas']}")
                if any(not figure["width"] for figure in found["figures"]):
                    problems.append(f"{lang}: a figure did not load")
                pages = ""
                if shutil.which("pdfinfo"):
                    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True)
                    pages = next(
                        (
                            f", {line.split()[-1]} pages"
                            for line in info.stdout.splitlines()
                            if line.startswith("Pages:")
                        ),
                        "",
                    )
                size = pdf.stat().st_size / 1e6
                print(
                    f"{pdf.relative_to(ROOT) if pdf.is_relative_to(ROOT) else pdf}: "
                    f"{size:.1f} MB{pages}, {len(found['figures'])} figures"
                )
            browser.close()
    finally:
        server.shutdown()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
