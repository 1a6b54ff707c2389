"""MkDocs hook: one print page per language, every question of the registry in one document,
which ``make pdf`` (``scripts/pdf.py``) prints to ``dlnotes.<lang>.pdf`` with Chromium.

Why not mkdocs-print-site-plugin: under mkdocs-static-i18n it writes a single print page at the
site root, which each language's build overwrites (the Chinese build wins, with the English
"Table of Contents" title), and it warns in strict mode (it takes the hooks for misplaced
plugins, and its mkdocs-autorefs fix-up finds every API heading twice); its upstream issue,
timvink/mkdocs-print-site-plugin#70, is open.

This hook transforms text only. After each language's build it takes the built page of each
question (``docs/questions.yml``, in order) from the site folder, keeps its article and makes
one page of them, ``print/`` next to the question pages (so relative URLs of images,
stylesheets and scripts stay valid), with the first question page as its frame:

- a title, the site's address and a table of contents (each question and its sections);
- each question on a new page, its ids prefixed with the slug (``batch-norm--mechanism``) so
  that the pages' shared heading ids stay unique; links to a heading of a question in the book
  point inside the book, other links of the site become absolute links to the web site;
- the follow-up answers (pymdownx.details) open: ``open`` is set on each one.

The page is not in the nav, the sitemap or the search index; ``tests/test_links.py`` checks its
links and anchors like any page's, and ``tests/browser/test_pdf.py`` checks the PDFs.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urljoin

from _language import page_language, site_languages
from _questions import by_slug, slugs
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

NAME = "print"  # the page's name: print/ (directory URLs) or print.html
STRINGS = {
    "en": {"contents": "Contents", "web": "Web version"},
    "zh": {"contents": "目录", "web": "网页版"},
}
# Attributes whose value is an id of the page (or a list of ids), prefixed like the ids.
ID_ATTRIBUTES = ("id", "for", "aria-labelledby", "aria-describedby", "aria-controls")
STYLE = """<style>
  .dl-print-title { margin-bottom: 0.2em; }
  .md-typeset .dl-print-toc ol { list-style: none; padding-left: 0; margin-left: 0; }
  .md-typeset .dl-print-toc ol ol { padding-left: 1.5em; margin: 0.2em 0 0.6em; }
  .md-typeset .dl-print-toc li { margin: 0.15em 0; }
  .md-typeset .dl-print-toc > ol > li > a { font-weight: 700; }
  @media print {
    .dl-print-chapter { break-before: page; }
  }
</style>"""

_built: dict[str, dict[str, Path]] = {}  # language -> slug -> the built page's file


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Note where each question page of the language being built is written."""
    langs = site_languages(config)
    lang = page_language(page, config)
    name = page.url.removeprefix(f"{lang}/") if lang != langs[0] else page.url
    slug = name.removesuffix("/").removesuffix(".html")
    if slug in slugs():
        _built.setdefault(lang, {})[slug] = Path(page.file.abs_dest_path)
    return output


def on_post_build(config: MkDocsConfig) -> None:
    """Write the print page of each language built in this pass (static-i18n builds one
    language per pass, each with its own ``on_post_build``)."""
    order = slugs()
    for lang in list(_built):
        pages = _built.pop(lang)
        if set(pages) != set(order):  # a partial build (e.g. serve's): no book
            continue
        first = pages[order[0]]
        target = print_path(first, order[0])
        url = urljoin(config.site_url or "", _site_relative(target, Path(config.site_dir)))
        chapters = [(slug, pages[slug].read_text(encoding="utf-8")) for slug in order]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(book(chapters, lang, config, url), encoding="utf-8")


def print_path(question_file: Path, slug: str) -> Path:
    """Where the print page goes: beside a question page, at the same depth."""
    if question_file.name == "index.html":  # directory URLs: <slug>/index.html
        return question_file.parent.parent / NAME / "index.html"
    return question_file.with_name(f"{NAME}.html")


def _site_relative(path: Path, site: Path) -> str:
    relative = path.relative_to(site).as_posix()
    return relative.removesuffix("index.html")


def book(chapters: list[tuple[str, str]], lang: str, config: MkDocsConfig, url: str) -> str:
    """The print page: the first chapter's page as the frame, its article replaced by the
    title, the table of contents and every chapter's article."""
    strings = STRINGS.get(lang, STRINGS["en"])
    slugs_in_book = [slug for slug, _ in chapters]
    parts = []
    toc = []
    for slug, page in chapters:
        article = prefix_ids(article_body(page), slug)
        article = relink(article, slug, slugs_in_book, url)
        article = re.sub(r"<details(?![^>]*\bopen\b)", "<details open", article)
        toc.append(table_entry(article, slug, by_slug()[slug].title.get(lang, slug)))
        parts.append(f'<section class="dl-print-chapter" id="{slug}">\n{article}\n</section>')
    site_name = html.escape(config.site_name)
    web = html.escape(urljoin(url, "../" if url.endswith("/") else "./"))
    front = (
        f'<h1 class="dl-print-title" id="{NAME}">{site_name}</h1>\n'
        f"<p>{html.escape(config.site_description or '')}</p>\n"
        f'<p>{strings["web"]}: <a href="{web}">{web}</a></p>\n'
        f'<nav class="dl-print-toc"><h2 id="contents">{strings["contents"]}</h2>\n'
        f"<ol>{''.join(toc)}</ol></nav>\n"
    )
    body = front + "\n".join(parts)
    frame = chapters[0][1]
    start, end = element_span(frame, '<article class="md-content__inner md-typeset">', "article")
    opening = frame.index(">", start) + 1
    page = frame[:opening] + body + frame[end - len("</article>") :]
    # The first question's table of contents (its sidebar, and the copy in the nav that narrow
    # screens show) and its skip link do not belong to the book.
    page = drop_element(page, '<div class="md-sidebar md-sidebar--secondary"', "div")
    while '<nav class="md-nav md-nav--secondary"' in page:
        page = drop_element(page, '<nav class="md-nav md-nav--secondary"', "nav")
    page = re.sub(r'(<a href=")#[^"]*(" class="md-skip")', rf"\1#{NAME}\2", page, count=1)
    page = re.sub(r"<title>.*?</title>", f"<title>{site_name}</title>", page, count=1, flags=re.S)
    page = re.sub(r'(<link rel="canonical" href=")[^"]*"', rf'\g<1>{url}"', page, count=1)
    # The language switch (links with hreflang) leads to the print page of the other language.
    first = re.escape(chapters[0][0])
    page = re.sub(rf'href="([^"]*?){first}(/|\.html)"(\s+hreflang=)', rf'href="\1{NAME}\2"\3', page)
    return page.replace("</head>", STYLE + "\n</head>", 1)


def element_span(text: str, opening: str, tag: str) -> tuple[int, int]:
    """Start and end (past its closing tag) of the element that starts with ``opening``."""
    start = text.index(opening)
    depth = 0
    for match in re.compile(rf"<(/?){tag}\b[^>]*>").finditer(text, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return start, match.end()
    raise ValueError(f"<{tag}> opened by {opening!r} is not closed")


def drop_element(text: str, opening: str, tag: str) -> str:
    if opening not in text:
        return text
    start, end = element_span(text, opening, tag)
    return text[:start] + text[end:]


def article_body(page: str) -> str:
    """The inside of a built page's article, without the edit and download buttons."""
    start, end = element_span(page, '<article class="md-content__inner md-typeset">', "article")
    inner = page[page.index(">", start) + 1 : end - len("</article>")]
    return re.sub(r'<a [^>]*class="md-content__button[^"]*"[^>]*>.*?</a>', "", inner, flags=re.S)


def prefix_ids(article: str, slug: str) -> str:
    """Make the article's ids unique in the book: ``mechanism`` -> ``<slug>--mechanism``, in
    the ids, the attributes that name ids, old-style anchors and same-page links."""

    def ids(match: re.Match[str]) -> str:
        values = " ".join(f"{slug}--{value}" for value in match.group(3).split())
        return f"{match.group(1)}{match.group(2)}{values}{match.group(2)}"

    names = "|".join(ID_ATTRIBUTES)
    article = re.sub(rf'(\s(?:{names})=)(["\'])([^"\']*)\2', ids, article)
    article = re.sub(r'(<a\s[^>]*?\bname=)(["\'])([^"\']*)\2', ids, article)
    return re.sub(r'(\shref=)(["\'])#([^"\']*)\2', rf"\1\2#{slug}--\3\2", article)


def relink(article: str, slug: str, book_slugs: list[str], book_url: str) -> str:
    """Links to a question of the book point inside the book; the other links of the site
    become absolute (a PDF has no site around it). Images keep their relative URLs."""
    page_url = urljoin(book_url, f"../{slug}/" if book_url.endswith("/") else f"{slug}.html")

    directory = page_url.endswith("/")
    inside = {urljoin(page_url, f"../{o}/" if directory else f"{o}.html"): o for o in book_slugs}

    def link(match: re.Match[str]) -> str:
        href = html.unescape(match.group(3))
        if href.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", href):
            return match.group(0)
        absolute = urljoin(page_url, href)
        path, _, fragment = absolute.partition("#")
        if path in inside:
            target = f"{inside[path]}--{fragment}" if fragment else inside[path]
            return f"{match.group(1)}{match.group(2)}#{target}{match.group(2)}"
        return f"{match.group(1)}{match.group(2)}{html.escape(absolute)}{match.group(2)}"

    return re.sub(r'(<a\s[^>]*?\bhref=)(["\'])([^"\']*)\2', link, article)


def table_entry(article: str, slug: str, title: str) -> str:
    """The table of contents' entry of one chapter: its title (the registry's, as in the nav),
    linked to the page's title (h1), and its sections (h2)."""
    headings = re.findall(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', article, flags=re.S)
    top = next((h for h in headings if h[0] == "1"), None)
    sections = "".join(
        f'<li><a href="#{ident}">{heading_text(text)}</a></li>'
        for level, ident, text in headings
        if level == "2"
    )
    target = top[1] if top else slug
    return f'<li><a href="#{target}">{html.escape(title)}</a><ol>{sections}</ol></li>'


def heading_text(inner: str) -> str:
    """A heading's text, without its permalink."""
    inner = re.sub(r'<a class="headerlink".*?</a>', "", inner, flags=re.S)
    return html.escape(html.unescape(re.sub(r"<[^>]+>", "", inner)).strip())
