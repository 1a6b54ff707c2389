"""One figure style for every topic: size, fonts, colours, band and bar plots, SVG output.

The site's figures must read on a 390 px phone, whose page column is 358 CSS px wide, and in
both languages. So every figure is ``WIDTH`` (4.2 in) wide, all text is ``FONT_SIZE`` (10 pt),
and a figure scaled down to 358 px still shows text of at least ``MIN_TEXT_PX`` (11 px):
`text_px()` measures that from the SVG itself. Tall, stacked layouts and legends below the
axes keep the width for the data.

A topic's plot function takes the experiment's result and a language code and is decorated with
`styled`, which applies the style and, for ``"zh"``, the CJK font (WenQuanYi Micro Hei, from the
Debian package ``fonts-wqy-microhei``). A missing font is an error, never boxes in place of
characters. The SVGs store text as paths (``svg.fonttype = "path"``), so no font is needed to
view them. Labels live in a small dictionary per topic, ``{"en": {...}, "zh": {...}}``; the
experiments themselves return language-neutral keys.

Every SVG follows the site's colour scheme (`svg_bytes`): its neutral colours (the white
background, black text and axes, light contour lines) are CSS custom properties, light by
default; shown as ``<name>.svg#only-dark``, which is how the site shows a figure in Material's
dark (``slate``) scheme, the SVG's own stylesheet switches them to ``DARK`` (the page's
background and text colours). The data colours (``COLORS``, ``GREY``) stay as drawn; any other
neutral colour a plot picks does not switch, so plots use ``"black"``/``"k"``, ``"white"`` or
``"#CCCCCC"`` for ink, paper and faint lines.

Examples:
    >>> from dlnotes.experiments import plotting
    >>> @plotting.styled
    ... def plot_demo(result, lang):
    ...     fig, ax = plotting.figure(height=2.0)
    ...     ax.plot(result["x"], result["y"], color=plotting.COLORS[0])
    ...     ax.set_xlabel({"en": "step", "zh": "步数"}[lang])
    ...     return fig
    >>> svg = plotting.svg_bytes(plot_demo({"x": [0, 1], "y": [1, 0]}, lang="zh"))
    >>> min(px for _, px in plotting.text_px(svg)) >= plotting.MIN_TEXT_PX
    True
"""

from __future__ import annotations

__doc_zh__ = """
全站统一的画图风格：图宽 4.2 英寸、全部文字 10 磅，缩到手机上 358 像素宽时文字仍不小于 11 像素；
配色、带状图和横向柱状图、中文字体（文泉驿微米黑，缺字体时直接报错而不是画出方框），
以及站点使用的 SVG 输出（文字转成路径，查看时不需要任何字体）。SVG 里的背景、文字和坐标轴颜色
是 CSS 变量：以 `#only-dark` 片段显示时（站点的深色模式）自动换成深色背景、浅色文字。
"""

import functools
import io
import itertools
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from xml.etree import ElementTree

from dlnotes._extras import require

require("experiments")  # matplotlib: a clear error naming the pip install command

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = [
    "CJK_FONT",
    "CJK_FONT_FILES",
    "COLORS",
    "DARK",
    "FONT_SIZE",
    "GREY",
    "LANGS",
    "MIN_TEXT_PX",
    "PHONE_COLUMN_PX",
    "STYLE",
    "WIDTH",
    "band",
    "bars",
    "check_lang",
    "cjk_font",
    "diverged_marks",
    "figure",
    "legend_below",
    "log_axis",
    "power_label",
    "power_of_ten",
    "render",
    "style",
    "styled",
    "svg_bytes",
    "text_px",
    "themed",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


LANGS = ("en", "zh")
WIDTH = 4.2  # inches: 302 pt, shown at about 410 px on a desktop and shrunk to 358 px on a phone
FONT_SIZE = 10.0  # pt, every text in the figure
PHONE_COLUMN_PX = 358  # the page column on a 390 px phone
MIN_TEXT_PX = 11.0

# Okabe & Ito's colour-blind-safe palette (blue, orange, green, vermillion, purple, sky, yellow)
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
GREY = "#7F7F7F"

# The neutral colours of a figure, light (as drawn) -> dark scheme: background and text as
# Material's slate scheme has them (--md-default-bg-color hsl(225 15% 14%), #1e2129, and
# --md-default-fg-color hsl(225 15% 90% / 0.82) over it, #bfc1c7; tests/browser/test_phone.py
# checks them against the page), and the contour lines a dim grey.
DARK = {"#ffffff": "#1e2129", "#000000": "#bfc1c7", "#cccccc": "#4b505c"}
_NEUTRAL = {"#ffffff": "paper", "#000000": "ink", "#cccccc": "faint"}

CJK_FONT = "WenQuanYi Micro Hei"
CJK_FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian/Ubuntu fonts-wqy-microhei
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),  # Fedora/Arch
)

STYLE: dict[RcKeyType, Any] = {
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": FONT_SIZE,
    "legend.title_fontsize": FONT_SIZE,
    "figure.titlesize": FONT_SIZE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "legend.frameon": False,
    "svg.fonttype": "path",  # glyphs as paths: nothing to install to view a figure
    "svg.hashsalt": "dlnotes",  # deterministic ids, so unchanged figures stay byte-identical
}


def cjk_font() -> str:
    """Register the CJK font with matplotlib and return its family name.

    Raises:
        FileNotFoundError: When the font is not installed (with the package to install).

    Examples:
        >>> from dlnotes.experiments.plotting import cjk_font
        >>> cjk_font()
        'WenQuanYi Micro Hei'
    """
    from matplotlib import font_manager

    if any(f.name == CJK_FONT for f in font_manager.fontManager.ttflist):
        return CJK_FONT
    for path in CJK_FONT_FILES:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            return CJK_FONT
    raise FileNotFoundError(
        f"the Chinese figures need the font {CJK_FONT!r}, not found at "
        f"{', '.join(map(str, CJK_FONT_FILES))}: install it (Debian/Ubuntu: "
        "apt-get install fonts-wqy-microhei) rather than draw boxes for every character"
    )


def check_lang(lang: str) -> str:
    """Return ``lang`` if a figure can be drawn in it.

    Examples:
        >>> from dlnotes.experiments.plotting import check_lang
        >>> check_lang("zh")
        'zh'
        >>> check_lang("fr")
        Traceback (most recent call last):
            ...
        ValueError: lang must be one of ('en', 'zh'), got 'fr'
    """
    if not isinstance(lang, str):
        raise TypeError(f"lang must be a str, got {type(lang).__name__}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


@contextmanager
def style(lang: str = "en") -> Iterator[None]:
    """The site's matplotlib style (and for ``"zh"`` the CJK font) for the duration of a block.

    Examples:
        >>> import matplotlib
        >>> from dlnotes.experiments.plotting import style
        >>> with style("zh"):
        ...     matplotlib.rcParams["font.family"][0], matplotlib.rcParams["font.size"]
        ('WenQuanYi Micro Hei', 10.0)
    """
    import matplotlib

    families = [cjk_font(), "DejaVu Sans"] if check_lang(lang) == "zh" else ["DejaVu Sans"]
    with matplotlib.rc_context({**STYLE, "font.family": families}):
        yield


def styled(plot: Callable[[dict[str, Any], str], Figure]) -> Callable[..., Figure]:
    """Decorator for a topic's ``plot_*(result, lang)``: style, font and language check.

    The figure is laid out once inside the style, so every text (tick labels included, which
    matplotlib creates lazily) takes the style's font and size and keeps it when the figure is
    shown or saved later, e.g. by a notebook.
    """

    @functools.wraps(plot)
    def wrapper(result: dict[str, Any], lang: str = "en") -> Figure:
        with style(lang):
            fig = plot(result, lang)
            fig.draw_without_rendering()
        return fig

    return wrapper


def figure(height: float, nrows: int = 1, sharex: bool = False) -> tuple[Figure, Any]:
    """A ``WIDTH``-wide figure with ``nrows`` stacked axes (call inside `style`).

    Returns:
        ``(fig, ax)`` for one row, else ``(fig, axes)``.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    axes = fig.subplots(nrows, 1, sharex=sharex, squeeze=True)
    return fig, axes


def band(
    ax: Axes,
    xs: Sequence[float],
    stats: dict[str, list[Any]],
    *,
    color: str,
    label: str | None,
    marker: str = "o",
    linestyle: str = "-",
) -> None:
    """Mean over seeds as a line with markers, min–max over seeds as a shaded band.

    Settings without a mean (a seed diverged, see `training.summarize`) get no line point;
    mark them with `diverged_marks`.
    """
    keep = [i for i, m in enumerate(stats["mean"]) if m is not None]
    kx = [xs[i] for i in keep]
    ax.plot(
        kx,
        [stats["mean"][i] for i in keep],
        marker=marker,
        linestyle=linestyle,
        color=color,
        label=label,
    )
    lows, highs = [stats["min"][i] for i in keep], [stats["max"][i] for i in keep]
    ax.fill_between(kx, lows, highs, color=color, alpha=0.2, linewidth=0)


def diverged_marks(
    ax: Axes, xs: Sequence[float], stats: dict[str, list[Any]], *, color: str, y: float, text: str
) -> list[float]:
    """Mark each setting where some seeds diverged with × and ``text.format(k=…, n=…)``.

    Survivors of such a setting are drawn as dots: they are real, but their mean is not shown.

    Returns:
        The x positions that were marked.
    """
    marked = []
    for x, count, values in zip(xs, stats["diverged"], stats["per_seed"], strict=True):
        if not count:
            continue
        marked.append(x)
        survivors = [v for v in values if v is not None]
        if survivors:
            ax.plot([x] * len(survivors), survivors, "o", color=color, fillstyle="none")
        ax.plot([x], [y], "x", color=color, markersize=8, mew=2)
        ax.annotate(
            text.format(k=count, n=len(values)),
            (x, y),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            va="bottom",
            color=color,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
    return marked


def bars(
    ax: Axes,
    categories: Sequence[str],
    series: Sequence[tuple[str, str, dict[str, list[Any]]]],
) -> None:
    """Horizontal grouped bars, one group per category (top to bottom), mean over seeds.

    Each series is ``(label, color, stats)``; the per-seed values are drawn as small black dots
    on their bar. Horizontal bars keep long category labels readable on a narrow screen.
    """
    n = len(series)
    height = 0.8 / n
    for j, (label, color, stats) in enumerate(series):
        ys = [i - 0.4 + height * (j + 0.5) for i in range(len(categories))]
        means = [m if m is not None else 0.0 for m in stats["mean"]]
        ax.barh(ys, means, height, color=color, label=label)
        for y, values in zip(ys, stats["per_seed"], strict=True):
            finite = [v for v in values if v is not None]
            ax.plot(finite, [y] * len(finite), "k.", markersize=3)
    ax.set_yticks(range(len(categories)), categories)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_label(exponent: int) -> str:
    """``10ⁿ`` as plain text with a Unicode superscript: full-size glyphs, unlike mathtext's
    scaled-down ones (which fall below ``MIN_TEXT_PX`` on a phone).

    Examples:
        >>> from dlnotes.experiments.plotting import power_label
        >>> power_label(-12), power_label(0), power_label(2)
        ('10⁻¹²', '10⁰', '10²')
    """
    return "10" + str(exponent).translate(_SUPERSCRIPTS)


def power_of_ten(value: float) -> str:
    """The `power_label` of the power of ten nearest ``value``, and ``1`` for 10⁰.

    Examples:
        >>> from dlnotes.experiments.plotting import power_of_ten
        >>> power_of_ten(1e-3), power_of_ten(100.0), power_of_ten(1.0)
        ('10⁻³', '10²', '1')
    """
    import math

    exponent = round(math.log10(value))
    if exponent == 0:
        return "1"
    return power_label(exponent)


def log_axis(ax: Axes, axis: str = "y") -> None:
    """Log scale on ``axis`` with ticks at powers of ten labelled ``10ⁿ`` (see `power_of_ten`).

    matplotlib's default log labels are mathtext with scaled-down exponents, which fall below
    ``MIN_TEXT_PX`` on a phone; minor ticks keep no label.
    """
    from matplotlib import ticker

    getattr(ax, f"set_{axis}scale")("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(ticker.LogLocator(base=10, numticks=6))
    target.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: power_of_ten(v)))
    target.set_minor_formatter(ticker.NullFormatter())


def legend_below(fig: Figure, ncols: int = 2) -> None:
    """One legend for the figure, centred under the axes (keeps the full width for data)."""
    fig.legend(loc="outside lower center", ncols=ncols)


def svg_bytes(fig: Figure) -> bytes:
    """Deterministic SVG of ``fig``: no date, fixed ids, text as paths, tight bounding box.

    Raises:
        ValueError: If a character has no glyph in the figure's fonts (it would show as a box).
    """
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    if missing:
        raise ValueError(f"characters without a glyph in the figure's fonts: {missing}")
    return themed(compact(buffer.getvalue()))


_PATH_DATA = re.compile(rb' d="([^"]*)"')
_LONG_DECIMAL = re.compile(rb"-?\d+\.\d{2,}")


def _tenth(number: re.Match[bytes]) -> bytes:
    text = f"{float(number[0]):.1f}".removesuffix(".0")
    return b"0" if text == "-0" else text.encode()


def compact(svg: bytes) -> bytes:
    """``svg`` with its path coordinates rounded to 0.1 pt (matplotlib writes six decimals).

    A tenth of a point is a tenth of a CSS pixel at the figures' size, below what a screen
    shows; the long curves of the SGD figures shrink by a third, gzipped.

    Examples:
        >>> compact(b'<path d="M 225.046543 330.409196 L -0.04 12.96 z"/>')
        b'<path d="M 225 330.4 L 0 13 z"/>'
    """
    return _PATH_DATA.sub(
        lambda m: b' d="' + _LONG_DECIMAL.sub(_tenth, m[1]) + b'"',
        svg,
    )


_STYLE_ATTR = re.compile(rb'style="[^"]*"')
_NEUTRAL_HEX = re.compile(b"|".join(c.encode() for c in _NEUTRAL))


def themed(svg: bytes) -> bytes:
    """A matplotlib SVG whose neutral colours follow the page's scheme (see the module doc).

    The neutral colours in ``style`` attributes become ``var(--dl-<role>)``; so does the
    default fill (text glyphs and ``"k"`` markers, drawn in black without a ``fill``). The
    SVG's stylesheet sets the light values, and the ``DARK`` ones on everything after the
    element ``#only-dark`` while it is the target: an ``<img src="….svg#only-dark">``.

    Examples:
        >>> from dlnotes.experiments.plotting import themed
        >>> svg = themed(b'<svg><defs><style>*{}</style></defs>'
        ...              b'<g id="figure_1"><path style="fill: #ffffff"/></g></svg>')
        >>> b'<path style="fill: var(--dl-paper)"/>' in svg, b'<g id="only-dark"/>' in svg
        (True, True)
    """
    light = ";".join(f"--dl-{role}:{colour}" for colour, role in _NEUTRAL.items())
    dark = ";".join(f"--dl-{_NEUTRAL[colour]}:{shade}" for colour, shade in DARK.items())
    css = (f"#figure_1{{{light};fill:var(--dl-ink)}}#only-dark:target~#figure_1{{{dark}}}").encode()
    svg = _STYLE_ATTR.sub(
        lambda attr: _NEUTRAL_HEX.sub(
            lambda hex_: f"var(--dl-{_NEUTRAL[hex_.group(0).decode()]})".encode(), attr.group(0)
        ),
        svg,
    )
    svg = svg.replace(b"</style>", css + b"</style>", 1)
    return svg.replace(b'<g id="figure_1">', b'<g id="only-dark"/>\n <g id="figure_1">', 1)


_SVG = "{http://www.w3.org/2000/svg}"
_SCALE = re.compile(r"scale\(([-\d.e]+)")


def text_px(svg: bytes | str, column_px: float = PHONE_COLUMN_PX) -> list[tuple[str, float]]:
    """Rendered size in CSS px of every text in a matplotlib SVG shown in a ``column_px`` column.

    matplotlib writes each text (as paths) as ``<!-- text --><g transform="… scale(s -s)">``
    whose glyphs may be scaled again (sub- and superscripts); ``100 · s · glyph scale`` is the
    font size in SVG user units. The image is drawn at its natural width (the ``width``
    attribute, in pt = 4/3 px) or shrunk to the column, whichever is narrower, so a user unit
    shows as ``min(column, natural) / viewBox width`` px.

    Returns:
        ``(text, px)`` for every text, in document order.

    Examples:
        >>> from dlnotes.experiments.plotting import text_px
        >>> svg = '''<svg xmlns="http://www.w3.org/2000/svg" width="716pt" viewBox="0 0 716 100">
        ... <!-- hi --><g transform="translate(1 2) scale(0.1 -0.1)"><use/></g></svg>'''
        >>> text_px(svg)
        [('hi', 5.0)]
    """
    root = ElementTree.fromstring(svg, parser=ElementTree.XMLParser(target=_KeepComments()))
    view_width = float(root.get("viewBox", "0 0 1 1").split()[2])
    width = root.get("width", f"{view_width}pt")
    if width.endswith("pt"):
        natural_px = float(width.removesuffix("pt")) * 4 / 3  # 1 pt = 4/3 CSS px
    else:
        natural_px = float(width.removesuffix("px"))
    px_per_unit = min(column_px, natural_px) / view_width
    found: list[tuple[str, float]] = []
    for parent in root.iter():
        children = list(parent)
        for comment, group in itertools.pairwise(children):
            # typeshed types .tag as str; a comment's tag is the ElementTree.Comment factory
            if cast(object, comment.tag) is not ElementTree.Comment or group.tag != f"{_SVG}g":
                continue
            outer = _SCALE.search(group.get("transform", ""))
            if outer is None:
                continue
            glyphs = [_SCALE.search(use.get("transform", "")) for use in group.iter(f"{_SVG}use")]
            smallest = min((float(m.group(1)) for m in glyphs if m), default=1.0)
            size = 100 * float(outer.group(1)) * smallest  # font size in SVG user units
            found.append(((comment.text or "").strip(), size * px_per_unit))
    return found


class _KeepComments(ElementTree.TreeBuilder):
    def __init__(self) -> None:
        super().__init__(insert_comments=True)


def render(module: str, name: str, langs: Sequence[str] = LANGS) -> dict[str, bytes]:
    """Run figure ``name`` of ``dlnotes.experiments.<module>`` (cached) and draw it per language.

    This is what the site build calls, possibly in a worker process: it takes names, not
    functions, so it can be sent to one.

    Returns:
        ``{lang: svg bytes}``.
    """
    import matplotlib

    matplotlib.use("Agg")  # only in the build: notebooks keep their inline backend
    from dlnotes.experiments import cached, figures

    declared_in, run, plot = figures()[name]
    if declared_in != module:
        raise ValueError(f"figure {name!r} is declared in {declared_in}, not in module {module!r}")
    result = cached(run)
    return {lang: svg_bytes(plot(result, lang=lang)) for lang in langs}
