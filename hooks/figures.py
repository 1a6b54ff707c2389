"""MkDocs hook: check that the computed figures and notebooks are there, and size each figure.

The figures (``docs/assets/figures/<name>.<lang>.svg``) and the executed notebooks
(``docs/notebooks/<slug>.<lang>.ipynb``) are written by the compute step,
``scripts/compute.py`` (``make compute``; ``make build`` and ``make serve`` run it). This hook
runs no experiment and no kernel: before the build it compares the step's ``STAMP`` with the
current inputs (a hash of files, no torch import) and fails the build with the command to run
when the results are missing or stale. Under ``make serve`` (``DLNOTES_PENDING=1``) the step is
computing them meanwhile: the hook says so and the build goes on with the placeholders.

Each figure's ``<img>`` gets the SVG's size as ``width`` and ``height`` (CSS px): the browser
reserves the box before the file arrives, so the text below a figure does not jump down when it
loads (on a phone the stylesheet still shrinks it to the column, keeping its proportions).

Each figure is shown twice over one file, with Material's documented light/dark image suffixes:
``<name>.svg#only-light``, hidden in the dark (``slate``) scheme, and ``<name>.svg#only-dark``,
hidden in the light one. The SVG's own stylesheet switches its background, text and axes to the
dark scheme's colours when ``#only-dark`` is its target (``dlnotes.experiments.plotting.themed``),
so one download serves both (checked in both languages by tests/browser/test_phone.py).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

sys.path.insert(0, str(Path(__file__).parent))
from _language import page_language, site_languages
from _shared import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import compute

OUT = compute.FIGURES_OUT
_log = logging.getLogger("mkdocs.hooks.figures")


def on_pre_build(config: MkDocsConfig) -> None:
    problem = compute.stamp_problem(site_languages(config))
    if problem is None:
        return
    if os.environ.get("DLNOTES_PENDING"):
        _log.info("dlnotes: %s; make serve is computing them", problem)
        return
    raise PluginError(f"{problem}: run `{compute.COMMAND}` first (or `make build`).")


# An <img> of a figure without a width yet; group 2 is the figure's name, group 3 the rest of
# the tag after the src's closing quote.
FIGURE_IMG = re.compile(
    r'<img (?![^>]*\swidth=)([^>]*\bsrc="(?:\.\./)*assets/figures/([\w-]+)\.svg)"([^>]*)>'
)
SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"')
SCHEMES = ("only-light", "only-dark")  # Material's image suffixes, in this order


def sized_figures(html: str, lang: str, folder: Path = OUT) -> str:
    """``html`` with each figure's ``<img>`` given its SVG's size in CSS px (1 pt = 4/3 px), once
    per colour scheme (``#only-light``, ``#only-dark``).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "f.en.svg").write_text('<svg width="300pt" height="150.5pt">')
    >>> print(sized_figures('<img alt="A" src="../assets/figures/f.svg" />', "en", folder))
    <img width="400" height="201" alt="A" src="../assets/figures/f.svg#only-light" /><img \
width="400" height="201" alt="A" src="../assets/figures/f.svg#only-dark" />
    """

    def add_size(match: re.Match[str]) -> str:
        svg = folder / f"{match.group(2)}.{lang}.svg"
        size = SVG_SIZE.search(svg.read_text(encoding="utf-8")[:2000]) if svg.exists() else None
        if size is None:
            box = ""
        else:
            width, height = (round(float(pt) * 4 / 3) for pt in size.groups())
            box = f'width="{width}" height="{height}" '
        return "".join(
            f'<img {box}{match.group(1)}#{scheme}"{match.group(3)}>' for scheme in SCHEMES
        )

    return FIGURE_IMG.sub(add_size, html)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: object) -> str:
    return sized_figures(html, page_language(page, config))
