"""MkDocs hook: regenerate every experiment figure from code, in every language, and execute the
notebooks, before the build.

Each ``dlnotes.experiments`` module lists its figures in ``FIGURES`` as ``name -> (run, plot)``.
Before the build collects files, this hook runs each experiment (through
:func:`dlnotes.experiments.cached`, so an unchanged experiment is not re-run), draws it once per
site language with :func:`dlnotes.experiments.plotting.render` and writes
``docs/assets/figures/<name>.<lang>.svg``; mkdocs-static-i18n serves ``<name>.zh.svg`` on the
Chinese pages. The folder is not tracked by git: every image on the site comes from code here.

Figures that must be drawn are drawn in the build's pool of processes (``_shared.spawn_map``;
each experiment runs on one thread). A figure's cache key covers its experiment's
code (``cache_key``), the plotting module, this hook, the matplotlib version and the language, so
a new figure style redraws every SVG. A file is rewritten only when its bytes change (the SVGs
are deterministic), so ``mkdocs serve``, which watches ``docs/``, does not rebuild in a loop.
When none of those inputs changed since the last build (``STAMP``), the hook returns before
importing torch or matplotlib: that saves about 3 s on every warm build and on serve's start.

The notebooks that have no cache entry are then executed, also two at a time
(``hooks/_notebooks.py``), so that rendering their pages only reads the cache.

``mkdocs serve`` does not wait for either: it serves a placeholder for each figure or notebook
page not computed yet, and one background process computes them (``hooks/_deferred.py``); the
pages reload as results land. ``mkdocs build`` (and ``serve --clean``) computes everything first.

Each figure's ``<img>`` gets the SVG's size as ``width`` and ``height`` (CSS px): the browser
reserves the box before the file arrives, so the text below a figure does not jump down when it
loads (on a phone the stylesheet still shrinks it to the column, keeping its proportions).
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs_jupyter.plugin import NotebookFile

sys.path.insert(0, str(Path(__file__).parent))
import _deferred
import _notebooks
from _shared import ROOT, languages, site_config, sources_digest, spawn_map

OUT = ROOT / "docs" / "assets" / "figures"
CACHE = ROOT / ".cache" / "figures"
STAMP = CACHE / "STAMP"


def site_languages(config: MkDocsConfig | None = None) -> tuple[str, ...]:
    """Every language of the site, from the i18n block of the mkdocs.yml being built."""
    return languages(site_config(config.config_file_path)) if config is not None else languages()


def figures() -> dict[str, tuple[str, object]]:
    """Every figure declared by a ``dlnotes.experiments`` module: ``name -> (module, run)``."""
    import dlnotes.experiments as package

    found: dict[str, tuple[str, object]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, (run, _plot) in getattr(module, "FIGURES", {}).items():
            if name in found:
                raise ValueError(f"figure name {name!r} is declared twice")
            found[name] = (info.name, run)
    return found


def style_digest() -> str:
    """Hash of what shapes a figure beyond its experiment: this hook, plotting, matplotlib."""
    digest = hashlib.sha256(f"matplotlib {version('matplotlib')}".encode())
    digest.update(Path(__file__).read_bytes())
    digest.update((ROOT / "src" / "dlnotes" / "experiments" / "plotting.py").read_bytes())
    return digest.hexdigest()[:16]


def figure_key(run: object, lang: str) -> str:
    """Cache key of one figure in one language."""
    from dlnotes.experiments import cache_key

    return hashlib.sha256(f"{cache_key(run, {})} {style_digest()} {lang}".encode()).hexdigest()[:16]


def _up_to_date(current: str) -> bool:
    """The last build drew every figure from these very inputs, and the files are there."""
    if not STAMP.exists():
        return False
    digest, *files = STAMP.read_text().split()
    return digest == current and all((OUT / file).exists() for file in files)


def _draw(jobs: list[tuple[str, str, list[str]]]) -> list[dict[str, bytes]]:
    """Render ``(module, name, langs)`` jobs, in parallel when there is more than one."""
    from dlnotes.experiments.plotting import render

    return spawn_map(render, *zip(*jobs, strict=True)) if jobs else []


def stamp(langs: list[str] | tuple[str, ...]) -> str:
    """What every figure depends on: the sources, this hook, torch, matplotlib, the languages."""
    sources = sources_digest(Path(__file__), packages=("torch", "matplotlib"))
    return f"{sources}-{'-'.join(langs)}"


def refresh(langs: list[str] | tuple[str, ...]) -> None:
    """Draw the figures that are not in the cache yet, and put every figure in ``OUT``."""
    OUT.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    current = stamp(langs)
    wanted = figures()
    stored = {
        (name, lang): CACHE / f"{name}-{figure_key(run, lang)}.{lang}.svg"
        for name, (_module, run) in wanted.items()
        for lang in langs
    }
    jobs = [
        (module, name, list(langs))
        for name, (module, _run) in wanted.items()
        if not all(stored[name, lang].exists() for lang in langs)
    ]
    for (_module, name, _langs), svgs in zip(jobs, _draw(jobs), strict=True):
        for lang, svg in svgs.items():
            stored[name, lang].write_bytes(svg)
    for (name, lang), path in stored.items():
        target = OUT / f"{name}.{lang}.svg"
        if not target.exists() or target.read_bytes() != path.read_bytes():
            shutil.copyfile(path, target)
    files = sorted(f"{name}.{lang}.svg" for name, lang in stored)
    for stale in OUT.glob("*.svg"):
        if stale.name not in files:
            stale.unlink()
    STAMP.write_text(" ".join([current, *files]))


# Shown by `mkdocs serve` where a figure is still being drawn (see hooks/_deferred.py).
PLACEHOLDER = {
    "en": "Drawing this figure: mkdocs serve computes it in the background; the page reloads then.",
    "zh": "正在绘制这张图：mkdocs serve 在后台计算，完成后页面自动刷新。",
}
PLACEHOLDER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="480pt" height="60pt" viewBox="0 0 640 80">'
    '<rect width="640" height="80" fill="none" stroke="#888" stroke-dasharray="6 4"/>'
    '<text x="320" y="45" font-size="15" text-anchor="middle" fill="#666">{text}</text></svg>'
)


def placeholders(langs: list[str] | tuple[str, ...]) -> None:
    """A placeholder SVG for each figure that has no file in ``OUT`` yet (older ones stay)."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name in figures():
        for lang in langs:
            target = OUT / f"{name}.{lang}.svg"
            if not target.exists():
                text = PLACEHOLDER.get(lang, PLACEHOLDER["en"])
                target.write_text(PLACEHOLDER_SVG.format(text=text), encoding="utf-8")


def on_startup(command: str, dirty: bool) -> None:
    _deferred.set_command(command)


def on_shutdown() -> None:
    _deferred.stop()


def on_pre_build(config: MkDocsConfig) -> None:
    langs = site_languages(config)
    figures_stale = not _up_to_date(stamp(langs))
    notebooks = _notebooks.pending(config)
    if _deferred.serving():
        if figures_stale:
            placeholders(langs)
        _deferred.start(list(langs), figures_stale, notebooks, _notebooks.options(config))
        return
    if figures_stale:
        refresh(langs)
    _notebooks.execute(notebooks, _notebooks.options(config))


NOTEBOOK_PLACEHOLDER = {
    "en": "This notebook is being executed: mkdocs serve runs it in the background, and the page "
    "reloads when it is ready.",
    "zh": "这个 notebook 正在执行：mkdocs serve 在后台运行它，完成后页面自动刷新。",
}


@event_priority(-100)  # after mkdocs-jupyter's on_pre_page, which set the page's render
def on_pre_page(page: Page, config: MkDocsConfig, files: object) -> Page:
    if not (_deferred.serving() and isinstance(page.file, NotebookFile)):
        return page
    if _notebooks.cache_path(page.file.abs_src_path, _notebooks.options(config)).exists():
        return page
    lang = getattr(page.file, "locale", None) or site_languages(config)[0]

    def placeholder(self: Page, config: MkDocsConfig, files: object) -> None:
        self.content = f'<p class="dl-pending">{NOTEBOOK_PLACEHOLDER.get(lang, "")}</p>'
        self.toc = get_toc([])

    page.render = placeholder.__get__(page, Page)
    return page


# An <img> of a figure without a width yet; group 2 is the figure's name.
FIGURE_IMG = re.compile(
    r'<img (?![^>]*\swidth=)([^>]*\bsrc="(?:\.\./)*assets/figures/([\w-]+)\.svg")'
)
SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"')


def sized_figures(html: str, lang: str, folder: Path = OUT) -> str:
    """``html`` with each figure's ``<img>`` given its SVG's size in CSS px (1 pt = 4/3 px).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "f.en.svg").write_text('<svg width="300pt" height="150.5pt">')
    >>> sized_figures('<img alt="A" src="../assets/figures/f.svg" />', "en", folder)
    '<img width="400" height="201" alt="A" src="../assets/figures/f.svg" />'
    """

    def add_size(match: re.Match[str]) -> str:
        svg = folder / f"{match.group(2)}.{lang}.svg"
        size = SVG_SIZE.search(svg.read_text(encoding="utf-8")[:2000]) if svg.exists() else None
        if size is None:
            return match.group(0)
        width, height = (round(float(pt) * 4 / 3) for pt in size.groups())
        return f'<img width="{width}" height="{height}" {match.group(1)}'

    return FIGURE_IMG.sub(add_size, html)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: object) -> str:
    langs = site_languages(config)
    return sized_figures(html, getattr(page.file, "locale", None) or langs[0])
