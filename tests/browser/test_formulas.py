"""Formulas rendered at build time (hooks/formulas.py) in the browser: no KaTeX runs, and copying
a formula copies its TeX (KaTeX's copy-tex reads the MathML annotation the hook leaves)."""

from __future__ import annotations

import pytest
from dlbrowser import Visit
from dlpages import LANGUAGES, SitePage

# Select an element's contents and copy them, as Ctrl+C does (a synthetic copy event with its
# own DataTransfer: no clipboard permission needed); the copied text and the TeX of the
# element's first formula.
COPY_JS = """(selector) => {
  const el = document.querySelector(selector);
  const range = document.createRange();
  range.selectNodeContents(el);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  const data = new DataTransfer();
  document.dispatchEvent(new ClipboardEvent("copy", {clipboardData: data, bubbles: true,
                                                     cancelable: true}));
  return {copied: data.getData("text/plain"),
          tex: el.querySelector('annotation[encoding="application/x-tex"]').textContent,
          katex: typeof katex};
}"""


@pytest.mark.parametrize(
    "page", [SitePage("batch-norm", lang) for lang in LANGUAGES], ids=lambda p: p.id
)
def test_copying_a_formula_copies_its_tex(visit: Visit, page: SitePage) -> None:
    visit.open(page.path)
    display = visit.page.evaluate(COPY_JS, ".md-content div.arithmatex")
    assert display["katex"] == "undefined", "KaTeX's script ran in the page"
    assert display["copied"] == f"$${display['tex']}$$"
    inline = visit.page.evaluate(COPY_JS, ".md-content p:has(> span.arithmatex)")
    assert f"${inline['tex']}$" in inline["copied"]
    assert "katex" not in inline["copied"] and "\u200b" not in inline["copied"]
