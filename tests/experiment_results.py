"""Every registered figure's experiment, run once per test session with its default arguments.

Both the topic tests (the claims the captions make) and tests/test_figures.py (how the figures
render) need the real results; this runs each experiment once for all of them.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import pkgutil
from pathlib import Path
from typing import Any


@functools.cache
def figures() -> dict[str, tuple[Any, Any]]:
    """``name -> (run, plot)`` over every ``dlnotes.experiments`` module's ``FIGURES``."""
    import dlnotes.experiments as package

    found: dict[str, tuple[Any, Any]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.update(getattr(module, "FIGURES", {}))
    return found


@functools.cache
def result(name: str) -> dict:
    """The result of figure ``name``'s experiment with its defaults (computed once).

    Under pytest-xdist the workers share this session's results through the folder
    ``DLNOTES_TEST_RESULTS`` (see tests/dlbuild.py): the first worker to need one computes it.
    Either way the result goes through JSON, as the site build's cache does, so every test
    sees the same types.
    """
    run, _plot = figures()[name]
    folder = os.environ.get("DLNOTES_TEST_RESULTS")
    path = Path(folder) / f"{name}.json" if folder else None
    if path is not None and path.exists():
        return json.loads(path.read_text())
    text = json.dumps(run(), sort_keys=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return json.loads(text)
