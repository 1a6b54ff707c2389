"""MkDocs hook: regenerate every experiment figure from code before the pages are read.

Each ``dlnotes.experiments`` module lists its figures in ``FIGURES`` as
``name -> (run, plot)``. Before the build collects files, this hook runs each experiment
(through :func:`dlnotes.experiments.cached`, so an unchanged experiment is not re-run), draws
it with matplotlib and writes ``docs/assets/figures/<name>.svg``. The folder is not tracked by
git: every image on the site comes from code in this repository.

A file is rewritten only when its bytes change (SVG output is made deterministic), so
``mkdocs serve``, which watches ``docs/``, does not rebuild in a loop. When nothing under
``src/dlnotes`` changed since the last build (``STAMP``), the hook returns before importing
torch or matplotlib: that saves about 3 s on every warm build and on ``mkdocs serve``'s start.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

sys.path.insert(0, str(Path(__file__).parent))
from _shared import ROOT, sources_digest

OUT = ROOT / "docs" / "assets" / "figures"
CACHE = ROOT / ".cache" / "figures"
STAMP = CACHE / "STAMP"


def _render(run: Callable[[], dict], plot: Callable[[dict], Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # only here, in the build process: notebooks keep their inline backend
    import matplotlib.pyplot as plt

    from dlnotes.experiments import cached

    with matplotlib.rc_context({"svg.hashsalt": "dlnotes", "svg.fonttype": "path"}):
        fig = plot(cached(run))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
    return buffer.getvalue()


def figures() -> dict[str, tuple[object, object]]:
    """Every (run, plot) pair declared by a ``dlnotes.experiments`` module, by figure name."""
    import dlnotes.experiments as package

    found: dict[str, tuple[object, object]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, pair in getattr(module, "FIGURES", {}).items():
            if name in found:
                raise ValueError(f"figure name {name!r} is declared twice")
            found[name] = pair
    return found


def _up_to_date(stamp: str) -> bool:
    """The last build drew every figure from these very sources, and the files are there."""
    if not STAMP.exists():
        return False
    digest, *names = STAMP.read_text().split()
    return digest == stamp and all((OUT / f"{name}.svg").exists() for name in names)


def on_pre_build(config: MkDocsConfig) -> None:
    stamp = sources_digest()
    if _up_to_date(stamp):
        return
    from dlnotes.experiments import cache_key

    OUT.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = figures()
    for name, (run, plot) in wanted.items():
        stored = CACHE / f"{name}-{cache_key(run, {})}.svg"
        if not stored.exists():
            stored.write_bytes(_render(run, plot))
        target = OUT / f"{name}.svg"
        if not target.exists() or target.read_bytes() != stored.read_bytes():
            shutil.copyfile(stored, target)
    for stale in OUT.glob("*.svg"):
        if stale.stem not in wanted:
            stale.unlink()
    STAMP.write_text(" ".join([stamp, *sorted(wanted)]))
