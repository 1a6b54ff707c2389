"""Every figure, in every language: legible on a phone, fonts embedded, deterministic.

The page column on a 390 px phone is 358 CSS px wide. An SVG wider than that is shrunk to fit,
so a text of size s (SVG units) shows at s × 358 / viewBox width px; `plotting.text_px` reads
every text's size from the SVG that the site serves.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import compute  # scripts/compute.py (pytest's pythonpath)
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

import experiment_results

from dlnotes.experiments import plotting

ROOT = Path(__file__).resolve().parent.parent
HANZI = re.compile(r"[\u4e00-\u9fff]")


CASES = [(name, lang) for name in sorted(experiment_results.figures()) for lang in plotting.LANGS]


def served(site: Path, name: str, lang: str) -> Path:
    """Where the site serves figure ``name`` to a reader of ``lang`` (default language at the
    root, others under their prefix; the same file name in every language)."""
    prefix = "" if lang == plotting.LANGS[0] else f"{lang}/"
    return site / f"{prefix}assets/figures/{name}.svg"


@pytest.fixture(scope="module")
def svgs(site_dir: Path) -> dict[tuple[str, str], bytes]:
    """Every figure as this session's site serves it (scripts/compute.py drew or reused it)."""
    return {(name, lang): served(site_dir, name, lang).read_bytes() for name, lang in CASES}


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_text_is_at_least_11_px_on_a_phone(name: str, lang: str, svgs: dict) -> None:
    sizes = plotting.text_px(svgs[name, lang])
    assert len(sizes) >= 8, "every axis label, tick label and legend entry should be found"
    small = [(text, round(px, 1)) for text, px in sizes if px < plotting.MIN_TEXT_PX]
    assert not small, f"{name}.{lang}.svg: text below {plotting.MIN_TEXT_PX} px at 358 px: {small}"


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_text_is_in_the_page_language_and_drawn_as_paths(name: str, lang: str, svgs: dict) -> None:
    svg = svgs[name, lang].decode()
    # text as paths: nothing to install to view the figure
    assert "<text" not in svg and "font-family" not in svg
    comments = " ".join(text for text, _ in plotting.text_px(svg))
    assert bool(HANZI.search(comments)) == (lang == "zh")


@pytest.mark.parametrize("lang", plotting.LANGS)
def test_a_served_figure_is_what_its_code_draws_now(svgs: dict, lang: str) -> None:
    """Drawn again from its experiment's result, a figure is byte for byte the one served:
    the SVG output is deterministic, and the site's copy is not stale."""
    name = CASES[-1][0]
    _run, plot = experiment_results.figures()[name]
    assert plotting.svg_bytes(plot(experiment_results.result(name), lang=lang)) == svgs[name, lang]


def test_text_px_reads_sizes_scaling_and_sub_scripts() -> None:
    svg = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
      width="400pt" height="100pt" viewBox="0 0 400 100">
      <g id="a"><!-- big -->
        <g transform="translate(5 5) scale(0.12 -0.12)"><use xlink:href="#g"/></g>
      </g>
      <g id="b"><!-- $10^{-2}$ --><g transform="translate(5 5) scale(0.1 -0.1)">
        <use xlink:href="#g" transform="translate(0 0)"/>
        <use xlink:href="#g" transform="translate(6 3) scale(0.7)"/>
      </g></g></svg>"""
    # 400 pt = 533 px natural width, shrunk to 358 px: 0.895 px per unit
    sizes = dict(plotting.text_px(svg))
    assert sizes["big"] == pytest.approx(12 * 358 / 400)
    assert sizes["$10^{-2}$"] == pytest.approx(7 * 358 / 400)
    # a narrow SVG is not enlarged: 150 pt = 200 px < 358 px
    narrow = svg.replace('width="400pt"', 'width="150pt"').replace("0 0 400 100", "0 0 150 100")
    assert dict(plotting.text_px(narrow))["big"] == pytest.approx(12 * 4 / 3)


def test_before_this_style_the_text_was_too_small() -> None:
    """The old style (6 in wide, legend 'small') would fail the 11 px rule: the test can fail."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="BN")
    ax.legend(fontsize="small")
    sizes = plotting.text_px(plotting.svg_bytes(fig))
    assert min(px for _, px in sizes) < plotting.MIN_TEXT_PX - 2  # seen: 8.0 px


def test_a_missing_cjk_font_fails_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(plotting, "CJK_FONT", "No Such Font 42")
    monkeypatch.setattr(plotting, "CJK_FONT_FILES", (tmp_path / "missing.ttc",))
    with pytest.raises(FileNotFoundError, match="fonts-wqy-microhei"):
        plotting.cjk_font()
    name = sorted(experiment_results.figures())[0]
    with pytest.raises(FileNotFoundError, match="No Such Font 42"):
        experiment_results.figures()[name][1](experiment_results.result(name), lang="zh")


def test_a_character_without_a_glyph_is_an_error_not_a_box() -> None:
    with plotting.style("en"):  # DejaVu Sans only: no Hanzi
        fig, ax = plotting.figure(height=2)
        ax.set_title("批量归一化")
    with pytest.raises(ValueError, match="without a glyph"):
        plotting.svg_bytes(fig)


def test_plots_reject_unknown_languages() -> None:
    name = sorted(experiment_results.figures())[0]
    with pytest.raises(ValueError, match="lang must be one of"):
        experiment_results.figures()[name][1](experiment_results.result(name), lang="fr")


def test_figures_are_drawn_in_every_site_language() -> None:
    """The compute step takes the languages from mkdocs.yml; plotting must know each of them."""
    assert compute.languages() == ("en", "zh")
    assert set(compute.languages()) <= set(plotting.LANGS)


@pytest.mark.parametrize("module", ["plotting", "training"])
def test_kit_modules_name_the_extra_when_matplotlib_is_missing(
    monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    import importlib

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    for name in (f"dlnotes.experiments.{module}", "dlnotes.experiments.data"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(ModuleNotFoundError, match=r"pip install matplotlib "):
        importlib.import_module(f"dlnotes.experiments.{module}")
