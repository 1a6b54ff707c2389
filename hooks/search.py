"""MkDocs hook: one search index per language.

Material writes one index for both languages: results mix English and Chinese pages. After the
last language pass, the index is split so that ``search/search_index.json`` holds the default
language's pages and ``<lang>/search/search_index.json`` each other language's. Pages of another
language load theirs: their ``base`` in Material's ``__config`` (used only to find the index and
resolve its results) is rewritten to point inside ``<lang>/``.

This is one of the exceptions listed in CONTRIBUTING.md ("Other packages' API"): neither
Material nor mkdocs-static-i18n offers a per-language index (Material keeps one index path per
site, squidfunk/mkdocs-material#867: "build two separate versions of your docs";
mkdocs-static-i18n merges every language into it, ultrabug/mkdocs-static-i18n#271), and the
browser tests require a Chinese query to list Chinese pages only. The exception is the
post-build rewrite of ``search_index.json`` (split, the Chinese token rules and the ``keys``
field below, section boosts, API titles) and the ``base`` rewrite; tests/test_hooks.py fails
when Material stops loading ``<base>/search/search_index.json`` or stops writing ``base``.
Everything else uses documented means: page boosts are Material's ``search.boost`` front
matter (set here in ``page.meta``), excluded elements its ``data-search-exclude`` attribute.
Dropping the exception means mixed-language results (and the search quality checks of
tests/browser/test_search_quality.py would fail); the supported alternative is two MkDocs
builds, one per language, each with its own index, joined by Material's ``extra.alternate``.

The languages are the i18n block of ``mkdocs.yml`` (``_shared.languages``).
"""

from __future__ import annotations

import html as html_lib
import itertools
import json
import re
from pathlib import Path

from _language import page_language, url_language
from _shared import languages, plain_jieba, site_config
from glossary import chinese_terms, load_glossary, search_words
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

BASE_RE = re.compile(r'("base":\s*")([^"]*)(")')


def site_languages(config: MkDocsConfig) -> tuple[str, ...]:
    return languages(site_config(config.config_file_path))


def point_base_at_language(output: str, lang: str) -> str:
    """Rewrite the ``base`` of Material's ``__config`` to the language's folder."""

    def to_language_root(match: re.Match[str]) -> str:
        base = match.group(2).rstrip("/") or "."
        # The trailing slash matters: Material resolves "search/search_index.json" and the
        # search results against this base; without it they resolve next to "zh", not in it.
        return f"{match.group(1)}{base}/{lang}/{match.group(3)}"

    return BASE_RE.sub(to_language_root, output, count=1)


@event_priority(-200)
def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    lang = page_language(page, config)
    return output if lang == site_languages(config)[0] else point_base_at_language(output, lang)


def split_index(index: dict, langs: tuple[str, ...]) -> dict[str, dict]:
    """Material's index as one index per language, locations relative to that language's base."""
    parts = {}
    for lang in langs:
        docs = [d for d in index["docs"] if url_language(d["location"], langs) == lang]
        if lang != langs[0]:
            docs = [{**d, "location": d["location"].removeprefix(f"{lang}/")} for d in docs]
        parts[lang] = {**index, "docs": docs, "config": {**index["config"], "lang": [lang]}}
    return parts


@event_priority(-200)  # after mkdocs-static-i18n merged every language's entries
def on_post_build(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    index_path = site / "search" / "search_index.json"
    if not index_path.exists():
        return
    langs = site_languages(config)
    index = json.loads(index_path.read_text(encoding="utf-8"))
    for lang, part in split_index(index, langs).items():
        part = tune_index(part, lang)
        out = site / ("" if lang == langs[0] else lang) / "search" / "search_index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(part, ensure_ascii=False, separators=(",", ":")), "utf-8")


# --------------------------------------------------------------------------------------------
# Search quality: what the index holds and how its entries rank (issue 9).
#
# Material's search (lunr in a web worker) is kept as it is; only the index it loads changes.
# How Material matches Chinese (integrations/search/query/segment in its sources): the query
# is cut at the longest token of the index that is a *proper* prefix of what is left of it, and
# each piece is searched as a prefix (``piece*``), pieces OR-ed. Hence three rules for tokens:
#
# - No single Han character as a token. If 内 is a token, 内部协变量偏移 is searched as 内*
#   and matches 内容, 内能 ... on any page. jieba's one-character words are joined to the word
#   before them (or after, at the start of a run): the text shown is unchanged (U+200B joins
#   invisible), and a prefix search for the word before still finds it.
# - Every sub-term of a glossary term is a token where the term occurs. The index holds
#   内部协变量偏移 whole, so 协变量偏移 (not a prefix of it) would find nothing: each run of
#   jieba's plain-dictionary pieces (内部 / 协 / 变量 / 偏移 -> 协变量, 协变量偏移, ...) goes
#   into a field of its own, ``keys``, that is indexed but never shown.
# - Each of those terms is searched whole, and highlighted whole. The segmenter only tries
#   proper prefixes of the query (its loop stops one character short): for 运行均值 it takes
#   运行 and searches 运行*, which matches every "run"; and the result links' highlight
#   (``?h=``) is what it searched, so a term less its last character was 梯度消 for 梯度消失.
#   When no proper prefix of the query is a token, it searches the query whole (``query*``).
#   So each Han token that is a proper prefix of a glossary term or sub-term (梯度, 运行, 批量)
#   is followed by an invisible U+2060 (``mark_prefixes``): 梯度⁠ is still found by 梯度*, and
#   梯度消失 is searched and highlighted whole. A phrase that starts with such a word and is
#   not a term (批量大小, cut 批量 / 大小 by jieba) would then find nothing: each marked token
#   joined to the next one goes into ``keys`` (``prefix_phrases``).
# - What is shown (the ``text`` preview) holds prose. Code listings (every ``<pre>``: a page's
#   code blocks, API source listings and docstring examples), notebook code (shown twice by
#   mkdocs-jupyter: highlighted and as the copy button's text) and outputs are marked
#   ``data-search-exclude`` (Material's own switch) before indexing: a result about the
#   bottleneck block previews the paragraph, not a 20-line listing. Identifiers stay findable
#   where the prose or a heading names them (inline ``<code>``, the API's qualified titles).
# - A formula is shown as plain text, not left out (a hole: "只有在  时才稳定"). Material indexes
#   arithmatex's wrapper with its TeX, ``\(...\)``; the rewrite turns each into readable
#   Unicode (``formula_text``: \frac{1}{m}\sum_i x_i -> 1/m Σᵢ xᵢ). Formulas already rendered
#   by KaTeX when the index is made (hooks/formulas.py renders after it today) are kept out by
#   a ``<data>`` wrapper, their TeX (KaTeX's ``application/x-tex`` annotation) put next to
#   them in a ``<template>``, which the browser never shows and Material indexes as text.
#
# Ranking: the question pages explain the terms; the API reference, the notebook, the glossary,
# the cheat sheet, the follow-up review sheet, the benchmark and about pages and each page's
# "Terms on this page" list only mention them. Those pages get a lower boost through Material's
# documented front matter ``search: {boost: ...}`` (reference/search.md, "Boosting a page"),
# set in ``page.meta`` by ``on_page_content``; the "Terms" sections, which front matter cannot
# reach, get an entry ``boost`` in the rewrite.

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(f"[{HAN}\u200b]*[{HAN}][{HAN}\u200b]*")
HAN_WORD = re.compile(f"[{HAN}]{{2,}}")

# Page boosts by URL (without the language folder), first match wins: front matter.
PAGE_BOOSTS = [
    (re.compile(r"^api/"), 0.1),
    (re.compile(r"^notebooks/"), 0.3),
    (re.compile(r"^glossary/"), 0.3),
    (re.compile(r"^followups/"), 0.5),
    (re.compile(r"^cheatsheet/"), 0.5),
    (re.compile(r"^(performance|about)/"), 0.5),
]
# Section boosts by index location: the index rewrite.
SECTION_BOOSTS = [(re.compile(r"#terms$"), 0.6)]
KEYS_FIELD = {"boost": 10.0}
# English keys hold whole glossary phrases; they must weigh as much as a title, or a section
# titled with one word of the phrase ("shift") outranks the section that uses the phrase.
ENGLISH_KEYS_FIELD = {"boost": 1000.0}

# Elements that stay out of the index, by class. Material's parser ends an exclusion at the first
# closing tag of the same name (its elements compare by tag), so these are innermost elements:
# API source listings, the parts of a notebook cell (prompts, code, the copy button's "Copied!"
# and its copy of the code, text outputs), and the "¶" link nbconvert puts in each notebook
# heading (a result's title ended in it). Every <pre> (never nested) is excluded too.
EXCLUDED_CLASSES = (
    "anchor-link",
    "mkdocstrings-source",
    "jp-InputPrompt",
    "jp-OutputPrompt",
    "highlight-ipynb",
    "clipboard-copy-txt",
    "notice",
    "jp-RenderedText",
)
EXCLUDED_RE = re.compile(
    r"<(?P<tag>span|div|details|a)(?P<attrs>\s[^>]*class=\"(?:[^\"]*\s)?(?:"
    + "|".join(EXCLUDED_CLASSES)
    + r")(?:\s[^\"]*)?\"[^>]*)>"
)


PRE_RE = re.compile(r"<pre(?=[\s>])")


def exclude_from_search(html: str) -> str:
    """Mark code listings, notebook code and outputs, and API source listings as not indexed.

    >>> exclude_from_search('<p>see</p><div><pre><code>x = 1</code></pre></div>')
    '<p>see</p><div><pre data-search-exclude="true"><code>x = 1</code></pre></div>'
    """
    html = EXCLUDED_RE.sub(r'<\g<tag>\g<attrs> data-search-exclude="true">', html)
    return PRE_RE.sub('<pre data-search-exclude="true"', html)


# KaTeX's rendered markup: its outer element, and the TeX it keeps for copying.
KATEX_START = re.compile(r'<span class="katex(?:-display)?"[^>]*>')
SPAN_TAG = re.compile(r"<span\b[^>]*>|</span>")
KATEX_TEX = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.DOTALL)


def index_katex_as_tex(html: str) -> str:
    r"""Keep KaTeX-rendered formulas out of the index and give it their TeX instead.

    Material's parser would index KaTeX's markup as text (the MathML tokens, the TeX and the
    glyphs of the HTML rendering, one after the other), and ``data-search-exclude`` on a span
    ends at the first nested ``</span>``. So the formula goes into a ``<data>`` element (inline,
    no style of its own; ``value`` holds the TeX) marked ``data-search-exclude``, followed by a
    ``<template>`` with the TeX between ``\(`` and ``\)`` (``\[`` and ``\]`` for a display):
    never rendered by the browser, indexed by Material, made readable by the index rewrite
    (``readable_formulas``).

    >>> out = index_katex_as_tex('<p>a <span class="katex"><math><annotation encoding='
    ...     '"application/x-tex">x^2</annotation></math><span><span>x</span>2</span></span> b</p>')
    >>> out.startswith('<p>a <data value="x^2" data-search-exclude="true"><span class="katex">')
    True
    >>> out.endswith('<span>x</span>2</span></span></data><template>\\(x^2\\)</template> b</p>')
    True
    """
    out: list[str] = []
    pos = 0
    while (start := KATEX_START.search(html, pos)) is not None:
        depth, end = 0, len(html)
        for tag in SPAN_TAG.finditer(html, start.start()):
            depth += -1 if tag.group(0) == "</span>" else 1
            if depth == 0:
                end = tag.end()
                break
        formula = html[start.start() : end]
        found = KATEX_TEX.search(formula)
        tex = found.group(1) if found else ""
        out += [html[pos : start.start()], f'<data value="{tex}" data-search-exclude="true">']
        opening, closing = ("\\[", "\\]") if "katex-display" in start.group(0) else ("\\(", "\\)")
        out += [formula, "</data>", f"<template>{opening}{tex}{closing}</template>" if tex else ""]
        pos = end
    return "".join(out) + html[pos:]


def page_boost(url: str, langs: tuple[str, ...]) -> float | None:
    """The search boost of the page at ``url``, or None (Material's default, 1).

    >>> page_boost("zh/api/", ("en", "zh")), page_boost("batch-norm/", ("en", "zh"))
    (0.1, None)
    """
    lang = url_language(url, langs)
    path = url if lang == langs[0] else url.removeprefix(f"{lang}/")
    return next((boost for pattern, boost in PAGE_BOOSTS if pattern.search(path)), None)


@event_priority(-50)  # after the other hooks' on_page_content: the page as Material indexes it
def on_page_content(html: str, page: Page, config: MkDocsConfig, files: object) -> str:
    boost = page_boost(page.url or "", site_languages(config))
    search = page.meta.setdefault("search", {}) if boost is not None else {}
    if boost is not None and isinstance(search, dict):
        search.setdefault("boost", boost)  # a page's own front matter wins
    return exclude_from_search(index_katex_as_tex(html))


# --------------------------------------------------------------------------------------------
# Formulas as plain text in the index (see above): a small reader of the TeX the pages use.

GREEK = dict(
    zip(
        [
            "alpha",
            "beta",
            "gamma",
            "delta",
            "epsilon",
            "varepsilon",
            "zeta",
            "eta",
            "theta",
            "vartheta",
            "iota",
            "kappa",
            "lambda",
            "mu",
            "nu",
            "xi",
            "pi",
            "rho",
            "sigma",
            "tau",
            "upsilon",
            "phi",
            "varphi",
            "chi",
            "psi",
            "omega",
            "Gamma",
            "Delta",
            "Theta",
            "Lambda",
            "Xi",
            "Pi",
            "Sigma",
            "Phi",
            "Psi",
            "Omega",
        ],
        "αβγδεεζηθθικλμνξπρστυφφχψωΓΔΘΛΞΠΣΦΨΩ",
        strict=True,
    )
)
SYMBOLS = {
    **GREEK,
    **dict.fromkeys(("le", "leq"), "≤"),
    **dict.fromkeys(("ge", "geq"), "≥"),
    **dict.fromkeys(("ne", "neq"), "≠"),
    **dict.fromkeys(("to", "rightarrow"), "→"),
    **dict.fromkeys(("leftarrow", "gets"), "←"),
    **dict.fromkeys(("lVert", "rVert", "Vert", "|"), "‖"),
    **dict.fromkeys(("dots", "ldots"), "…"),
    **dict.fromkeys((",", ";", ":", " ", "quad", "qquad"), " "),
    "sum": " Σ", "prod": " ∏", "partial": "∂", "nabla": "∇", "cdot": "·", "odot": "⊙",
    "otimes": "⊗", "times": "×", "approx": "≈", "propto": "∝", "sim": "~", "pm": "±",
    "mp": "∓", "infty": "∞", "in": "∈", "ell": "ℓ", "cdots": "⋯", "lfloor": "⌊",
    "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩", "mid": "|",
    "top": "ᵀ", "prime": "′", "!": "", "\\": "; ", "{": "{", "}": "}", "_": "_", "%": "%",
    "#": "#", "&": "&",
}  # fmt: skip
FUNCTIONS = {"tanh", "sinh", "cosh", "max", "min", "ln", "log", "exp", "cos", "sin", "tan",
             "arg", "lim", "sup", "inf", "det", "tr", "argmax", "argmin", "softmax"}  # fmt: skip
# Commands that only size or space (\left( is "("), and commands whose argument is plain text.
DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "displaystyle", "textstyle", "limits", "nolimits"}  # fmt: skip
TEXT_LIKE = {"text", "mathrm", "operatorname", "mathbf", "mathcal", "mathit", "mathsf",
             "boldsymbol", "mathbb", "textbf", "textrm", "textit", "mbox"}  # fmt: skip
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
           "bar": "\u0304", "overline": "\u0304", "dot": "\u0307", "ddot": "\u0308",
           "vec": "\u20d7"}  # fmt: skip
SUBSCRIPTS = dict(
    zip("0123456789aehijklmnoprstuvx+-=()", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₊₋₌₍₎", strict=True)
)
SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzTᵀ",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀᵀ",
        strict=True,
    )
)
TEX_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|.", re.DOTALL)


class _TexReader:
    """Reads TeX token by token (see ``formula_text``)."""

    def __init__(self, tex: str) -> None:
        self.tokens = TEX_TOKEN.findall(tex)
        self.i = 0

    def group(self) -> str:
        """Up to the closing brace of the current group (or the end)."""
        out: list[str] = []
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            self.i += 1
            if token == "}":
                break
            out.append(self.token(token))
        return "".join(out)

    def argument(self) -> str:
        """The next argument: a braced group or one token (spaces before it skipped)."""
        while self.i < len(self.tokens) and self.tokens[self.i].isspace():
            self.i += 1
        if self.i >= len(self.tokens):
            return ""
        token = self.tokens[self.i]
        self.i += 1
        return self.group() if token == "{" else self.token(token)

    def token(self, token: str) -> str:
        if token == "{":
            return self.group()
        if token in "_^":
            return script(self.argument(), SUBSCRIPTS if token == "_" else SUPERSCRIPTS, token)
        if token == "&" or token == "~":
            return " "
        if not token.startswith("\\"):
            return token
        name = token[1:]
        if name in ("begin", "end"):
            self.argument()  # the environment's name
            return " "
        if name == "frac" or name == "dfrac" or name == "tfrac":
            top, bottom = self.argument(), self.argument()
            return f"{wrap(top)}/{wrap(bottom)}"
        if name == "sqrt":
            return "√" + wrap(self.argument())
        if name in ACCENTS:
            body = self.argument()
            return body + ACCENTS[name] if len(body) == 1 else f"{body}{ACCENTS[name]}"
        if name in TEXT_LIKE:
            return self.argument()
        if name in DROPPED:
            return ""
        if name in FUNCTIONS:
            return name + " "
        return SYMBOLS.get(name, name)


def wrap(text: str) -> str:
    """``text`` in parentheses unless it is one symbol, a run of letters and digits, or already
    one parenthesized (or square-rooted) whole."""
    text = text.strip()
    if re.fullmatch(r"[\w\u0300-\u036f\u20d7′.∂√]*", text):
        return text
    depth = 0
    for i, c in enumerate(text.removeprefix("√")):
        depth += (c == "(") - (c == ")")
        if depth == 0 and (i == 0 or c != ")"):
            break
    else:
        return text  # "(…)" or "√(…)": its parentheses hold all of it
    return f"({text})"


def script(text: str, table: dict[str, str], mark: str) -> str:
    """A sub- or superscript: Unicode's small characters where each has one, else _x / ^(xy)."""
    text = text.strip()
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return mark + wrap(text)


def formula_text(tex: str) -> str:
    r"""A formula's TeX as readable plain text, for a search result's preview.

    >>> formula_text(r"\hat{x}_i = \frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma^2 + \epsilon}}")
    'x̂ᵢ = (xᵢ - μ_B)/√(σ² + ε)'
    >>> formula_text(r"\eta < 2/\lambda_{\max}"), formula_text(r"\text{输入门}\ i_t")
    ('η < 2/λₘₐₓ', '输入门 iₜ')
    >>> formula_text(r"\frac{\partial L}{\partial x} \in \{0, 1\}^{n \times d}")
    '(∂ L)/(∂ x) ∈ {0, 1}^(n × d)'
    """
    text = re.sub(r"\s+", " ", _TexReader(tex).group()).strip()
    return re.sub(r"\s+([,.;:])", r"\1", text)  # a display formula's closing "."


# Formulas in Material's index text (HTML-escaped): inline \( \), display \[ \], or a bare
# environment (arithmatex keeps \begin{align} ... \end{align} as it is).
INDEXED_FORMULA = re.compile(
    r"\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\]"
    r"|(?P<env>\\begin\{(?P<name>[a-z]+\*?)\}.*?\\end\{(?P=name)\})",
    re.DOTALL,
)


def readable_formulas(text: str) -> str:
    r"""Each formula in an index entry's (HTML-escaped) text, as plain text.

    >>> readable_formulas(r"<p>stable only if \(\eta &lt; 2/L\), where \(L\) is</p>")
    '<p>stable only if η &lt; 2/L, where L is</p>'
    """

    def plain(match: re.Match[str]) -> str:
        tex = html_lib.unescape(next(g for g in match.group("inline", "display", "env") if g))
        text = html_lib.escape(formula_text(tex.replace("\u200b", "")), quote=False)
        return text if match.group("inline") is not None else f" {text}"  # a display: apart

    return INDEXED_FORMULA.sub(plain, text)


def join_single_characters(text: str) -> str:
    """Join each one-character Han token (U+200B-separated) to a neighbouring token.

    >>> join_single_characters("\\u200b用\\u200b内部协变量偏移\\u200b的\\u200b解释\\u200b")
    '\\u200b用内部协变量偏移的\\u200b解释\\u200b'
    """

    def join(match: re.Match[str]) -> str:
        run = match.group(0)
        groups: list[str] = []
        pending = ""
        for token in filter(None, run.split("\u200b")):
            if len(token) > 1:
                groups.append(pending + token)
                pending = ""
            elif groups and not pending:
                groups[-1] += token
            else:
                pending += token
        if pending:
            if groups:
                groups[-1] += pending
            else:
                groups.append(pending)
        lead = "\u200b" if run.startswith("\u200b") else ""
        tail = "\u200b" if run.endswith("\u200b") else ""
        return lead + "\u200b".join(groups) + tail

    return HAN_RUN.sub(join, text)


def sub_terms(term: str) -> list[str]:
    """The term and every run of its plain-dictionary jieba pieces of two characters or more.

    >>> sub_terms("内部协变量偏移")[:3]
    ['内部协变量偏移', '内部', '内部协']
    >>> "协变量偏移" in sub_terms("内部协变量偏移")
    True
    """
    pieces = plain_jieba().lcut(term, HMM=False)
    runs = ["".join(pieces[i:j]) for i in range(len(pieces)) for j in range(i + 1, len(pieces) + 1)]
    words = [term, *(r for r in runs if len(r) > 1)]
    return list(dict.fromkeys(words))


def glossary_terms(lang: str) -> list[str]:
    """The glossary's Han terms and synonyms (``lang`` zh), or nothing."""
    if lang != "zh":
        return []
    return [t for t in chinese_terms(load_glossary()) if HAN_WORD.fullmatch(t)]


def english_terms(lang: str) -> list[str]:
    """The glossary's multi-word English terms, synonyms and keywords, lower-cased (``lang``
    en), or nothing.

    An entry that contains one gets it in ``keys`` as well: a query such as "covariate shift"
    then ranks the entries that use the phrase above those that only repeat one of its words
    ("shift" on the pooling page).
    """
    if lang != "en":
        return []
    words = (w for e in load_glossary() for w in search_words(e, "en"))
    return list(dict.fromkeys(w.lower() for w in words if " " in w.strip()))


def api_title(title: str, location: str) -> str:
    """An API entry's title as its qualified name: dlnotes.conv.receptive_field is one token
    that ``receptive*`` does not match, so a concept word does not hit an identifier in the
    title field (weighed 1000 times the text); the name still shows which object it is.

    >>> api_title("<code>seeded(seed, threads=1)</code>", "api/#dlnotes.experiments.seeded")
    '<code>dlnotes.experiments.seeded</code>'
    >>> api_title("API reference", "api/")
    'API reference'
    """
    name = location.partition("#")[2]
    return f"<code>{name}</code>" if name.startswith("dlnotes.") else title


PARAGRAPH = re.compile(r"\s*<p>.*?</p>", re.S)


def api_summary(text: str, location: str) -> str:
    """An API object's entry keeps its docstring's first paragraph, the summary its preview
    shows; the argument, return and error sections stay on the page. They were a third of the
    index that every page loads (issue 27's 400 KB per question page), and a search finds an
    object by its name (the title) or the concept its summary names.

    >>> entry = "api/norm/#dlnotes.norm.batch_norm"
    >>> api_summary("<p>Batch norm.</p><p>Args: x ...</p><table>...</table>", entry)
    '<p>Batch norm.</p>'
    >>> api_summary("<p> Bases: <code>Module</code></p> <p>A layer.</p><p>Args</p>", entry)
    '<p>A layer.</p>'
    >>> api_summary("<p>The module.</p><p>More.</p>", "api/norm/")
    '<p>The module.</p><p>More.</p>'
    """
    if "#dlnotes." not in location:
        return text
    for paragraph in PARAGRAPH.finditer(text):  # a class's first is "Bases: Module"
        if not paragraph.group(0).lstrip().removeprefix("<p>").lstrip().startswith("Bases:"):
            return paragraph.group(0).strip()
    return text


def entry_boost(location: str) -> float | None:
    return next((boost for pattern, boost in SECTION_BOOSTS if pattern.search(location)), None)


HAN_TOKEN = re.compile(f"[{HAN}]+")
PREFIX_MARK = "\u2060"  # WORD JOINER: invisible, not a separator, so part of the token


def mark_prefixes(text: str, prefixes: set[str]) -> str:
    """Each Han token that is a proper prefix of a glossary term or sub-term, followed by an
    invisible U+2060, so that no proper prefix of such a term is a token of the index.

    Material's segmenter (see above) searches a Chinese query whole, as ``query*``, only when
    no proper prefix of it is a token; otherwise it searches that prefix and drops the rest,
    and the result links' highlight (``?h=``) is the prefix: 梯度消 for 梯度消失. With the
    mark, 梯度 in the text is the token 梯度⁠: a query 梯度消失 is searched (and highlighted)
    whole, and 梯度 still finds 梯度⁠ as a prefix.

    >>> mark_prefixes("\u200b梯度\u200b消失\u200b", {"梯度"}) == "\u200b梯度\u2060\u200b消失\u200b"
    True
    """

    def mark(match: re.Match[str]) -> str:
        token = match.group(0)
        return token + PREFIX_MARK if token in prefixes else token

    return HAN_TOKEN.sub(mark, text)


def prefix_phrases(text: str, prefixes: set[str]) -> list[str]:
    """Each Han token that ``mark_prefixes`` marks, joined to the Han token after it.

    With 批量 marked, the query 批量大小 is searched whole (``批量大小*``); jieba cut the text
    into 批量 / 大小, so the pair goes into ``keys`` to be found.

    >>> prefix_phrases("\u200b批量\u200b大小\u200b，\u200b批量\u200b归一化\u200b", {"批量"})
    ['批量大小', '批量归一化']
    """
    tokens = text.split("\u200b")
    pairs = itertools.pairwise(tokens)
    return [a + b for a, b in pairs if a in prefixes and HAN_TOKEN.fullmatch(b)]


def tune_index(part: dict, lang: str) -> dict:
    """One language's index with the tokens and boosts described above."""
    terms = {t: sub_terms(t) for t in glossary_terms(lang)}
    prefixes = {w[:k] for subs in terms.values() for w in subs for k in range(1, len(w))}
    phrases = english_terms(lang)
    docs = []
    for doc in part["docs"]:
        doc = dict(doc)
        boost = entry_boost(doc["location"])
        if boost is not None and "boost" not in doc:  # a page's boost (front matter) wins
            doc["boost"] = boost
        if doc["location"].startswith("api/"):
            doc["title"] = api_title(doc["title"], doc["location"])
            doc["text"] = api_summary(doc["text"], doc["location"])
        doc["title"] = readable_formulas(doc["title"])
        doc["text"] = readable_formulas(doc["text"])
        if terms:
            doc["title"] = join_single_characters(doc["title"])
            doc["text"] = join_single_characters(doc["text"])
            plain = (doc["title"] + doc["text"]).replace("\u200b", "")
            keys = [k for t, subs in terms.items() if t in plain for k in subs]
            keys += prefix_phrases(doc["title"] + "\u200b" + doc["text"], prefixes)
            if keys:
                doc["keys"] = "\u200b".join(dict.fromkeys(keys))
            for field in ("title", "text", "keys"):
                if field in doc:
                    doc[field] = mark_prefixes(doc[field], prefixes)
        if phrases:
            plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"]))
            found = [p for p in phrases if p in plain.lower()]
            if found:
                doc["keys"] = " ".join(found)
        docs.append(doc)
    config = part["config"]
    if terms or phrases:
        field = ENGLISH_KEYS_FIELD if phrases else KEYS_FIELD
        config = {**config, "fields": {**config["fields"], "keys": field}}
    return {**part, "config": config, "docs": docs}
