"""MkDocs hook: formulas rendered by KaTeX at build time, so no math script runs in the browser.

``pymdownx.arithmatex`` (generic mode) leaves each formula as TeX, in an inline
``<span class="arithmatex">`` (``\\(...\\)``) or a display ``<div class="arithmatex">``
(``\\[...\\]``). This hook replaces the TeX inside each wrapper with the HTML of the vendored
KaTeX (``docs/assets/katex/katex.min.js``, the release of the stylesheet and fonts the pages
load), run in an embedded V8 (``hooks/_katex.py``): the markup KaTeX's browser script used to
put there, plus KaTeX's MathML, which screen readers read and which keeps the TeX in an
``<annotation encoding="application/x-tex">``. The wrapper and its class stay, so the
stylesheets and ``hooks/search.py`` still find each formula.

It runs on the finished page (``on_post_page``), after Material's search plugin has read the
page (``on_page_context``): the index still sees the wrapper with its TeX, never KaTeX's
nested spans. Each distinct formula is rendered once per process.

A formula KaTeX cannot parse, or TeX that LaTeX would reject (KaTeX's strict-mode notices), is
a warning naming the page and the formula: ``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import html
import logging
import re
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

sys.path.insert(0, str(Path(__file__).parent))
import _katex

_log = logging.getLogger("mkdocs.hooks.formulas")

# What arithmatex (generic mode) writes: the wrapper, its attributes (hooks/search.py adds
# data-search-exclude), and the escaped TeX between \( \) or \[ \] (or a bare \begin{env}).
FORMULA = re.compile(
    r'<(?P<tag>span|div) class="arithmatex"(?P<attrs>[^>]*)>(?P<tex>[^<]*)</(?P=tag)>'
)
DELIMITED = re.compile(r"\A\s*\\[(\[](?P<body>.*)\\[)\]]\s*\Z", re.DOTALL)
# A wrapper whose content is not KaTeX's: what this hook did not render.
UNRENDERED = re.compile(r'<(?:span|div) class="arithmatex"[^>]*>(?!<span class="katex)')


def formula_tex(escaped: str) -> str:
    r"""The TeX of an arithmatex wrapper's content, without its delimiters.

    >>> formula_tex(r"\(a &lt; b\)"), formula_tex(r"\[x\]"), formula_tex(
    ...     r"\begin{gather}1\end{gather}"
    ... )
    ('a < b', 'x', '\\begin{gather}1\\end{gather}')
    """
    tex = html.unescape(escaped)
    delimited = DELIMITED.match(tex)
    return delimited.group("body") if delimited else tex.strip()


def shown(tex: str) -> str:
    r"""A formula as a log line names it: its TeX as written, on one line.

    >>> shown("\n\\frac{1}{2}\n  + x\n")
    '«\\frac{1}{2} + x»'
    """
    return "«" + " ".join(tex.split()) + "»"


def render_formulas(page_html: str, where: str) -> tuple[str, list[str]]:
    r"""``page_html`` with each arithmatex formula rendered by KaTeX, and the problems found.

    >>> out, problems = render_formulas(r'<p><span class="arithmatex">\(\gamma\)</span>', "p")
    >>> out.startswith('<p><span class="arithmatex"><span class="katex"><span class="katex-mathml"')
    True
    >>> '<annotation encoding="application/x-tex">\\gamma</annotation>' in out, problems
    (True, [])
    >>> out, problems = render_formulas(r'<div class="arithmatex">\[\frac{1\]</div>', "p.md")
    >>> out == r'<div class="arithmatex">\[\frac{1\]</div>', len(problems)
    (True, 1)
    >>> print(problems[0])
    p.md: KaTeX cannot render the formula «\frac{1»: KaTeX parse error: ...
    """
    problems: list[str] = []

    def render(match: re.Match[str]) -> str:
        tex = formula_tex(match.group("tex"))
        rendered = _katex.render(tex, match.group("tag") == "div")
        if rendered.error is not None:
            problems.append(
                f"{where}: KaTeX cannot render the formula {shown(tex)}: {rendered.error}"
            )
            return match.group(0)
        problems.extend(f"{where}: in the formula {shown(tex)}: {n}" for n in rendered.notices)
        tag, attrs = match.group("tag"), match.group("attrs")
        return f'<{tag} class="arithmatex"{attrs}>{rendered.html}</{tag}>'

    out = FORMULA.sub(render, page_html)
    left = len(UNRENDERED.findall(out)) - sum("cannot render" in p for p in problems)
    if left:
        problems.append(f"{where}: {left} formula wrapper(s) hooks/formulas.py did not recognise")
    return out, problems


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    output, problems = render_formulas(output, page.file.src_uri)
    for problem in problems:
        _log.warning(problem)
    return output
