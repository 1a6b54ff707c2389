"""Every registered figure's experiment, run once per test session with its default arguments.

Both the topic tests (the claims the captions make) and tests/test_figures.py (how the figures
render) need the real results; this runs each experiment once for all of them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
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
    """The result of figure ``name``'s experiment with its defaults (computed once)."""
    run, _plot = figures()[name]
    return run()
