"""What a search result previews: prose, formulas as plain text, no code listings.

hooks/search.py shapes a page's HTML before Material's search plugin indexes it, and rewrites the
index after the build. These tests run both on small fragments: the hook's ``on_page_content``,
then Material's own parser (``material.plugins.search.plugin.Parser``, the class its plugin feeds
each page to), then the hook's rewrite of the text (``readable_formulas``). The formulas come in
the two forms the hook must handle: pymdownx.arithmatex's TeX wrapper (what the site's index sees
today: hooks/formulas.py renders after indexing) and KaTeX's rendered markup (the files in
tests/data/search/ are KaTeX's output for ``\\sigma_B^2`` and ``\\text{门} = \\frac{1}{m}.``).
The built index is checked in tests/test_site_build.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from dlhooks import load_hook
from dlpages import ROOT
from material.plugins.search.plugin import Parser

search = load_hook("search")
DATA = Path(__file__).parent / "data" / "search"
CONFIG = SimpleNamespace(config_file_path=str(ROOT / "mkdocs.yml"))
CODE = (
    '<div class="language-python highlight"><pre><span></span><code>eta = 0.1\n</code></pre></div>'
)


def indexed(html: str) -> str:
    """The preview text Material's index holds for ``html`` (one section), after the rewrite."""
    page = SimpleNamespace(url="sgd/", meta={})
    parser = Parser()
    parser.feed(search.on_page_content(html, page, CONFIG, None))
    parser.close()
    (section,) = parser.data
    return search.readable_formulas("".join(section.text).strip())


def test_arithmatex_formulas_are_previewed_as_text_and_code_is_not() -> None:
    html = (
        '<p>Stable only if <span class="arithmatex">\\(\\eta &lt; \\frac{2}{L}\\)</span>, '
        'where <span class="arithmatex">\\(L\\)</span> is the largest curvature:</p>'
        + CODE
        + '<div class="arithmatex">\\[\\theta_{t+1} = \\theta_t - \\eta\\, g_t .\\]</div>'
    )
    assert indexed(html) == (
        "<p>Stable only if η &lt; 2/L, where L is the largest curvature:</p> θₜ₊₁ = θₜ - η gₜ."
    )


def test_katex_formulas_are_previewed_as_text() -> None:
    inline = (DATA / "katex-inline.html").read_text(encoding="utf-8")
    display = (DATA / "katex-display.html").read_text(encoding="utf-8")
    html = (
        f'<p>方差 <span class="arithmatex">{inline}</span> 越小越好。</p>'
        + CODE
        + f'<div class="arithmatex">{display}</div>'
    )
    text = indexed(html)
    assert text == "<p>方差 σ_B² 越小越好。</p> 门 = 1/m."
    # The page still shows KaTeX's markup, whole, in an inline wrapper of its own.
    shaped = search.index_katex_as_tex(html)
    assert inline in shaped and display in shaped
    assert shaped.count('<data value="') == 2 and shaped.count("<template>") == 2


def test_formula_text_reads_the_tex_the_pages_use() -> None:
    cases = {
        r"\mu_\mathcal{B} = \frac{1}{m}\sum_{i=1}^{m} x_i": "μ_B = 1/m Σᵢ₌₁ᵐ xᵢ",
        r"\hat{m}_t = \frac{m_t}{1 - \beta_1^t}": "m̂ₜ = mₜ/(1 - β₁ᵗ)",
        r"\lVert \nabla L \rVert \approx 0": "‖ ∇ L ‖ ≈ 0",
        r"\left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1": "⌊ (n + 2p - k)/s ⌋ + 1",
        r"W^\top x \odot \tanh(c_t)": "Wᵀ x ⊙ tanh (cₜ)",
        r"\begin{aligned} a &= b \\ c &= d \end{aligned}": "a = b; c = d",
    }
    for tex, text in cases.items():
        assert search.formula_text(tex) == text, tex
        assert not re.search(r"\\[A-Za-z]|[{}]", search.formula_text(tex)), tex
