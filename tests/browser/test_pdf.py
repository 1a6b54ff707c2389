"""The PDF of each language (``make pdf``), checked with poppler's tools.

The print page of each language (``print/``, hooks/print_book.py) of the session's site build
is printed once per session by the code ``make pdf`` runs (``scripts/pdf.py``: Chromium's
``page.pdf()``), in the session's browser. Then, per language:

- every question is there: its title in the table of contents, in the registry's order, and
  its page's title (h1) in the body, in the same order (``pdftotext``);
- every page is numbered "n / N" (``pdftotext`` per page, ``pdfinfo``);
- the figures are images: the compute step's SVGs are printed as PNGs at 3 times their CSS
  size (scripts/pdf.py says why), and ``pdfimages -list`` finds each at that size, at 250 dpi
  or more on paper;
- every font is embedded (``pdffonts``), the Chinese one (WenQuanYi) in the Chinese PDF, and
  KaTeX's in both (the formulas are drawn by KaTeX, none failed);
- no code line is cut off: each line of each code block is in the text of the pages' body
  (the page inside its margins, where the text of a line that ran past the edge is not), and no
  code block is wider than its box in print layout;
- every follow-up answer (a collapsed ``???`` block on the site) is printed.

And the site links them (the home page and every page's footer), and the Pages workflow prints
them after building the site and deploys them with it.
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from dlbrowser import running_in_ci
from dlhooks import load_hook
from dlpages import LANGUAGES, ROOT, SitePage, mkdocs_config, question_pages

pytestmark = pytest.mark.browser

POPPLER = ("pdftotext", "pdfimages", "pdffonts", "pdfinfo")
POPPLER_HINT = "install poppler's tools with `sudo apt-get install poppler-utils`"
_questions = load_hook("_questions")
print_book = load_hook("print_book")


def _pdf_script() -> Any:
    spec = importlib.util.spec_from_file_location("dlnotes_pdf", ROOT / "scripts" / "pdf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pdf = _pdf_script()

# The body of a page: A4 (595 x 842 pt) inside scripts/pdf.py's margins (15 mm = 42.5 pt left
# and right, 16 mm = 45.4 pt top and bottom), less a point of slack; the header and the footer
# are outside it.
BODY = {"x": 41, "y": 44, "W": 513, "H": 754}


def squash(text: str) -> str:
    """The letters, digits and underscores of a text, in order: pdftotext breaks lines where the
    page does, and it may put a CJK punctuation mark of a bold line (a synthetic bold font) out
    of place."""
    return re.sub(r"\W+", "", text)


def tool(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True).stdout


@dataclass
class Book:
    lang: str
    path: Path
    found: dict[str, Any]  # what scripts/pdf.py saw while printing
    html: str  # the print page, as built
    pages: list[str]  # pdftotext's text of each page
    body: str  # the text inside the margins of every page, squashed

    @property
    def code_lines(self) -> list[str]:
        blocks = re.findall(r"<pre\b[^>]*>(.*?)</pre>", self.html, flags=re.S)
        text = "\n".join(html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks)
        return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def books(
    context: Any, root_server: Any, site_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Book]:
    """Each language's PDF, printed once for this module."""
    missing = [name for name in POPPLER if not shutil.which(name)]
    if missing:
        reason = f"{', '.join(missing)} not found: {POPPLER_HINT}"
        if running_in_ci():
            pytest.fail(f"CI=true and the PDF checks cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("pdf")
    page = context.new_page()
    made = {}
    try:
        for lang in LANGUAGES:
            path = folder / f"dlnotes.{lang}.pdf"
            where = pdf.print_page_path(lang, LANGUAGES)
            found = pdf.print_book(page, root_server.base_url + where, path)
            # -layout: the text in the order of the lines on the page (without it, the rest of
            # a wrapped code line can come before the start of the line).
            text = tool("pdftotext", "-layout", "-enc", "UTF-8", path, "-")
            body = tool(
                "pdftotext", "-layout", "-enc", "UTF-8",
                *[arg for key, value in BODY.items() for arg in (f"-{key}", str(value))],
                path, "-",
            )  # fmt: skip
            made[lang] = Book(
                lang=lang,
                path=path,
                found=found,
                html=(site_dir / where / "index.html").read_text(encoding="utf-8"),
                pages=text.split("\f")[:-1],
                body=squash(body),
            )
    finally:
        page.close()
    return made


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_question_with_a_table_of_contents(books: dict[str, Book], lang: str) -> None:
    book = books[lang]
    text = squash("".join(book.pages))
    heading = squash(print_book.STRINGS[lang]["contents"])
    at = text.find(heading)
    assert at >= 0, f"no table of contents ({heading!r})"
    # The table of contents lists the questions by their titles, in the registry's order; then
    # come the questions, each with its own title (its page's h1), in the same order.
    titles = [q.title[lang] for q in _questions.questions()]
    h1s = [
        html.unescape(print_book.heading_text(inner))
        for inner in re.findall(r'<h1 id="[^"]+--[^"]+"[^>]*>(.*?)</h1>', book.html, re.S)
    ]
    assert len(h1s) == len(titles), f"{len(h1s)} question titles on the print page"
    missing = []
    for title in [*titles, *h1s]:
        found = text.find(squash(title), at + 1)
        if found < 0:
            missing.append(title)
        else:
            at = found
    assert not missing, f"not in the PDF, or not in the registry's order: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_are_numbered(books: dict[str, Book], lang: str) -> None:
    book = books[lang]
    info = tool("pdfinfo", book.path)
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    assert len(book.pages) == count > len(_questions.questions())
    unnumbered = [n for n, text in enumerate(book.pages, 1) if f"{n} / {count}" not in text]
    assert not unnumbered, f"pages without 'n / {count}': {unnumbered}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_figures_are_images(books: dict[str, Book], lang: str) -> None:
    book = books[lang]
    # Each figure is on the page twice, once per colour scheme (Material's #only-light and
    # #only-dark); the light one is printed.
    figures = re.findall(
        r'<img\b[^>]*\bsrc="[^"]*assets/figures/[^"]+\.svg(?:#only-light)?"', book.html
    )
    drawn = book.found["figures"]
    assert figures and len(drawn) == len(figures), (
        f"{len(figures)} figures on the print page, {len(drawn)} drawn for print"
    )
    assert all(figure["width"] >= pdf.SCALE * 100 for figure in drawn), drawn
    rows = tool("pdfimages", "-list", book.path).splitlines()[2:]
    images = [row.split() for row in rows]
    # columns: page num type width height color comp bpc enc interp object ID x-ppi y-ppi ...
    sizes = [(int(row[3]), int(row[4])) for row in images if row[2] == "image"]
    missing = [f["src"] for f in drawn if (f["width"], f["height"]) not in sizes]
    assert not missing, f"figures not in the PDF as images of their drawn size: {missing}"
    figure_sizes = {(f["width"], f["height"]) for f in drawn}
    coarse = [row for row in images if (int(row[3]), int(row[4])) in figure_sizes]
    coarse = [row for row in coarse if min(int(row[12]), int(row[13])) < 250]
    assert not coarse, f"figures printed below 250 dpi: {coarse}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_font_is_embedded(books: dict[str, Book], lang: str) -> None:
    book = books[lang]
    rows = [row.split() for row in tool("pdffonts", book.path).splitlines()[2:]]
    # columns from the right: emb sub uni object ID (the name and type may hold spaces)
    not_embedded = [row for row in rows if row[-5] != "yes"]
    assert not not_embedded, f"fonts not embedded: {not_embedded}"
    names = " ".join(row[0] for row in rows)
    assert "KaTeX_" in names, f"no KaTeX font: were the formulas drawn? {names}"
    if lang == "zh":
        assert "WenQuanYi" in names, f"no CJK font in the Chinese PDF: {names}"
    formulas = book.found["formulas"]
    assert formulas["katex"] and not formulas["errors"] and not formulas["unrendered"], formulas


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_code_line_is_cut_off(books: dict[str, Book], lang: str) -> None:
    book = books[lang]
    assert not book.found["cut"], f"code wider than its box in print: {book.found['cut']}"
    lines = book.code_lines
    assert len(lines) > 100, f"only {len(lines)} code lines on the print page"
    cut = [line for line in lines if squash(line) not in book.body]
    assert not cut, f"{len(cut)} of {len(lines)} code lines are not whole on the page: {cut[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_follow_up_answers_are_printed(books: dict[str, Book], lang: str) -> None:
    book = books[lang]
    answers = re.findall(
        r"<details\b[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>", book.html, re.S
    )
    assert len(answers) >= len(_questions.questions()), f"{len(answers)} follow-ups"

    samples = [(squash(_text(summary))[:30], _sample(answer)) for summary, answer in answers]
    assert all(answer for _, answer in samples), [q for q, answer in samples if not answer]
    missing = [question for question, answer in samples if answer not in book.body]
    assert not missing, f"{len(missing)} of {len(answers)} follow-ups not printed: {missing[:5]}"


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


class _Runs(HTMLParser):
    """The runs of text of a piece of HTML between its formulas (``arithmatex`` elements,
    skipped whole: KaTeX draws a formula with text that is not its TeX source)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs = [""]
        self.depth = 0  # inside a formula: how many of its elements are open

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or "arithmatex" in (dict(attrs).get("class") or ""):
            self.depth += tag not in {"br", "img", "input", "hr", "wbr"}
            if self.depth == 1:
                self.runs.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.runs[-1] += data


def _sample(answer: str) -> str:
    """30 letters of an answer, from its first run of 12 letters or more between formulas."""
    runs = _Runs()
    runs.feed(answer)
    return next((squash(r)[:30] for r in runs.runs if len(squash(r)) >= 12), "")


def pdf_url(lang: str) -> str:
    return f"{mkdocs_config()['site_url']}dlnotes.{lang}.pdf"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_site_links_the_pdfs(site_dir: Path, lang: str) -> None:
    home = SitePage("index", lang).html_file(site_dir).read_text(encoding="utf-8")
    for other in LANGUAGES:  # the home page links every language's PDF
        assert f'href="{pdf_url(other)}"' in home, f"the {lang} home page does not link {other}"
    for name in ("index", question_pages()[0]):  # the footer links the page's language's
        footer = SitePage(name, lang).html_file(site_dir).read_text(encoding="utf-8")
        footer = footer[footer.index('<div class="md-copyright">') :]
        assert f'href="{pdf_url(lang)}"' in footer, f"no PDF link in the footer of {lang}:{name}"


def test_the_pages_workflow_deploys_the_pdfs() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text("utf-8"))
    steps = workflow["jobs"]["test"]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    upload = next(
        i for i, step in enumerate(steps) if "upload-pages-artifact" in str(step.get("uses"))
    )
    assert steps[upload]["with"]["path"] == "site"
    build = next(i for i, run in enumerate(runs) if "make build" in run)
    printed = next(i for i, run in enumerate(runs) if "make pdf" in run)
    assert build < printed < upload, "make pdf must run after make build, before the upload"
    for lang in LANGUAGES:
        assert f"dist-site/dlnotes.{lang}.pdf" in runs[printed] and "site/" in runs[printed]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("\npdf:") :].split("\n\n")[0]
    assert "scripts/pdf.py" in recipe and "--out dist-site" in recipe, recipe
    assert "poppler-utils" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
