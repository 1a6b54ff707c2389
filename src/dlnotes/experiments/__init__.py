"""Seeded CPU experiments behind the figures on the site.

Each topic has one module here (``dlnotes.experiments.batch_norm``, ...) holding only its
experiments, its plots and ``FIGURES``; the generic parts are shared:

* ``data``: the bundled digits, split and standardised, and shuffled mini-batches;
* ``training``: model builders (MLP, CNN), the seeded training loop, accuracy, and a sweep over
  variant × setting × seed that counts diverged runs instead of averaging over the survivors;
* ``plotting``: the one figure style (legible on a phone), colours, band and bar plots, the CJK
  font for the Chinese figures, and the SVG output the site serves.

An experiment is a function that takes keyword arguments and returns a JSON-serialisable
``dict`` with language-neutral keys; a plot function ``plot_x(result, lang)`` turns that dict into
a matplotlib figure in English or Chinese. Every module lists its figures in ``FIGURES`` as
``name -> (run, plot)``; `figures()` collects them from every module (a name is unique across
the package), and the site build draws each one in every language as
``docs/assets/figures/<name>.<lang>.svg``.

Experiments need the ``experiments`` extra (scikit-learn for the bundled digits data,
matplotlib for the plots), e.g.
``pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"``.

`cached()` memoises a run on disk when ``DLNOTES_CACHE`` names a folder (the site build
sets it). The key covers the experiment's own module source, the source of every ``dlnotes``
module it uses, the torch version and the arguments: a changed experiment reruns, an unchanged
one does not. Without ``DLNOTES_CACHE`` it simply runs the experiment (tests never cache).
"""

from __future__ import annotations

__doc_zh__ = """
站内图表背后的实验：在 CPU 上固定随机种子运行，每个主题一个模块，模块在 `FIGURES` 里登记
自己的图。构建站点时 `cached()` 把结果存在磁盘上，实验代码不变就不重跑。需要安装
`dlnotes-interview[experiments]` 附加依赖（scikit-learn 与 matplotlib）。
"""

import contextlib
import hashlib
import importlib
import inspect
import json
import os
import pkgutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

__all__ = ["THREADS", "Result", "cache_file", "cache_key", "cached", "figures", "seeded"]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``) and the imported experiment modules.

    Not the package's own imports; a submodule is an attribute once imported (``batch_norm``).
    """
    imported = [name for name in globals() if f"{__name__}.{name}" in sys.modules]
    return sorted({*__all__, *imported, *(name for name in globals() if name.startswith("__"))})


Result = dict[str, Any]

# Every experiment runs on one torch thread: a result does not depend on the machine's core
# count (a reduction split over threads sums in another order), and the experiments of the site
# run side by side, one per process.
THREADS = 1


def _dlnotes_modules(module: ModuleType) -> list[ModuleType]:
    """``module`` and the dlnotes modules it imports (directly, or via names it imports)."""
    found = {module.__name__: module}
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", "")
        if isinstance(name, str) and name.startswith("dlnotes") and name in sys.modules:
            found.setdefault(name, sys.modules[name])
    return [found[name] for name in sorted(found)]


def cache_key(run: Callable[..., Result], kwargs: dict[str, Any]) -> str:
    """Hash of the code that produces ``run(**kwargs)`` and of its arguments.

    Examples:
        >>> from dlnotes.experiments import cache_key
        >>> def run(seed=0):
        ...     return {"seed": seed}
        >>> key = cache_key(run, {"seed": 0})
        >>> key == cache_key(run, {"seed": 0}), key == cache_key(run, {"seed": 1})
        (True, False)
    """
    digest = hashlib.sha256()
    digest.update(f"{run.__module__}.{run.__qualname__}|torch {torch.__version__}".encode())
    digest.update(json.dumps(kwargs, sort_keys=True, default=repr).encode())
    module = sys.modules.get(run.__module__)
    for dep in _dlnotes_modules(module) if module is not None else []:
        digest.update(inspect.getsource(dep).encode())
    return digest.hexdigest()[:16]


def cache_file(run: Callable[..., Result], kwargs: dict[str, Any]) -> str:
    """The file name under which `cached` stores ``run(**kwargs)``: the one naming of a result.

    ``<module>.<function>-<cache_key>.json``: readable, and new whenever the code changes.

    Examples:
        >>> from dlnotes.experiments import cache_file
        >>> from dlnotes.experiments.sgd import trajectories
        >>> cache_file(trajectories, {}).startswith("dlnotes.experiments.sgd.trajectories-")
        True
    """
    return f"{run.__module__}.{run.__qualname__}-{cache_key(run, kwargs)}.json"


def cached(run: Callable[..., Result], /, **kwargs: Any) -> Result:
    """Return ``run(**kwargs)``, reusing a stored result when ``DLNOTES_CACHE`` is set.

    Args:
        run: An experiment function returning a JSON-serialisable dict.
        **kwargs: Arguments for ``run``.

    Returns:
        The experiment's result (freshly computed, or loaded from the cache).

    Examples:
        >>> from dlnotes.experiments import cached
        >>> cached(lambda n=2: {"n": n}, n=3) == {"n": 3}
        True
    """
    folder = os.environ.get("DLNOTES_CACHE")
    if not folder:
        return run(**kwargs)
    path = Path(folder) / cache_file(run, kwargs)
    if path.exists():
        cached_result: dict[str, Any] = json.loads(path.read_text())
        return cached_result
    result = run(**kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, sort_keys=True))
    tmp.replace(path)
    return result


def figures() -> dict[str, tuple[str, Callable[..., Result], Callable[..., Any]]]:
    """Every figure declared in a ``FIGURES`` of a ``dlnotes.experiments`` module.

    Returns:
        ``name -> (module name, run, plot)``, the module name relative to this package
        (``"batch_norm"``), in module then declaration order.

    Raises:
        ValueError: Two modules (or entries) declare the same figure name.

    Examples:
        >>> from dlnotes.experiments import figures
        >>> module, run, plot = next(iter(figures().values()))
        >>> callable(run) and callable(plot)
        True
    """
    found: dict[str, tuple[str, Callable[..., Result], Callable[..., Any]]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        declared: dict[str, tuple[Callable[..., Result], Callable[..., Any]]]
        declared = getattr(module, "FIGURES", {})
        for name, (run, plot) in declared.items():
            if name in found:
                raise ValueError(
                    f"figure name {name!r} is declared twice: in {found[name][0]} and {info.name}"
                )
            found[name] = (info.name, run, plot)
    return found


@contextlib.contextmanager
def seeded(seed: int, threads: int = THREADS) -> Iterator[torch.Generator]:
    """Fix torch's global seed and thread count for one experiment, then restore the threads.

    Yields a ``torch.Generator`` seeded with ``seed`` for data shuffling.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments import seeded
        >>> with seeded(0) as g:
        ...     a = torch.randn(2, generator=g)
        >>> with seeded(0) as g:
        ...     b = torch.randn(2, generator=g)
        >>> torch.equal(a, b)
        True
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    try:
        yield torch.Generator().manual_seed(seed)
    finally:
        torch.set_num_threads(previous)
