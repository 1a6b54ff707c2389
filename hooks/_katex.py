"""KaTeX run in Python: the vendored ``katex.min.js`` in an embedded V8 (mini-racer).

Not a hook itself (mkdocs.yml does not list it): ``hooks/formulas.py`` uses it. Hooks are
reloaded on every ``mkdocs serve`` rebuild, this module is imported once per process, so the
engine starts once and each distinct formula is rendered once per process (:func:`render` is
cached by its arguments).
"""

from __future__ import annotations

import atexit
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from py_mini_racer import MiniRacer

KATEX_JS = Path(__file__).resolve().parent.parent / "docs" / "assets" / "katex" / "katex.min.js"

# KaTeX's documented API (katex.renderToString, katex.ParseError, the strict option as a
# function). A parse error and every "LaTeX-incompatible input" notice come back as data.
# output "htmlAndMathml" (KaTeX's default): the HTML the reader sees (aria-hidden) and MathML
# for screen readers, which holds the TeX in <annotation encoding="application/x-tex">.
RENDER_JS = """
function dlnotesRender(tex, displayMode) {
  var notices = [];
  try {
    var html = katex.renderToString(tex, {
      displayMode: displayMode,
      output: "htmlAndMathml",
      throwOnError: true,
      strict: function (code, message) {
        notices.push(message + " [" + code + "]");
        return "ignore";
      }
    });
    return JSON.stringify({html: html, notices: notices});
  } catch (error) {
    if (error instanceof katex.ParseError) return JSON.stringify({error: error.message});
    throw error;
  }
}
"""


class Rendered(NamedTuple):
    """KaTeX's HTML, or ``error`` (then ``html`` is empty); ``notices``: KaTeX's strict-mode
    remarks about input LaTeX would reject."""

    html: str
    error: str | None
    notices: tuple[str, ...]


@lru_cache(maxsize=1)
def engine() -> MiniRacer:
    """A V8 context with KaTeX loaded (about 0.1 s, once per process)."""
    context = MiniRacer()
    # Closed before the interpreter shuts down: a context left to the garbage collector at
    # exit hung the process (mini-racer 0.14.1, most runs of `python -c` here).
    atexit.register(context.close)
    context.eval(KATEX_JS.read_text(encoding="utf-8"))
    context.eval(RENDER_JS)
    return context


@cache
def render(tex: str, display: bool) -> Rendered:
    """KaTeX's rendering of ``tex`` (display or inline), once per distinct formula.

    >>> render(r"\\sqrt{x}", False).html.startswith('<span class="katex">')
    True
    >>> render(r"\\frac{1", True).error
    "KaTeX parse error: Unexpected end of input in a macro argument, expected '}' at end of inp..."
    """
    result = json.loads(engine().call("dlnotesRender", tex, display))
    if "error" in result:
        return Rendered("", result["error"], ())
    return Rendered(result["html"], None, tuple(result["notices"]))


def version() -> str:
    """The vendored KaTeX's version (``katex.version``)."""
    return str(engine().eval("katex.version"))
