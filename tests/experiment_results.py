"""Every registered figure's experiment, run once per test session with its default arguments.

Both the topic tests (the claims the captions make) and tests/test_figures.py (how the figures
render) need the real results; this runs each experiment once for all of them.

Under pytest-xdist (``make test``) the session's results are shared by the workers through the
folder ``DLNOTES_TEST_RESULTS`` (see tests/dlbuild.py and the root conftest.py):

- the first worker to need a result computes it while holding a lock on it; a worker needing
  the same result meanwhile waits for it instead of computing it a second time;
- when the site build's experiment cache (``DLNOTES_BUILD_RESULTS``, set by the root
  conftest.py) holds the result under the key of the current code, it is taken from there. That
  key (``dlnotes.experiments.cache_key``) covers the experiment's module, every ``dlnotes``
  module it uses, torch's version and the arguments; the experiments are seeded: a stored
  result is what this code computes. The controller's build, just before the tests, stored one
  for every figure (it runs what is missing). On a fresh clone (CI) that build computed them
  all, once, for the site and the tests alike.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@functools.cache
def figures() -> dict[str, tuple[Any, Any]]:
    """``name -> (run, plot)`` of every figure (``dlnotes.experiments.figures()`` finds them)."""
    from dlnotes.experiments import figures as declared

    return {name: (run, plot) for name, (_module, run, plot) in declared().items()}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file (one worker computes, the others wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _from_the_build_cache(run: Any) -> str | None:
    """``run()``'s result as the site build stored it for the current code, if it did."""
    folder = os.environ.get("DLNOTES_BUILD_RESULTS")
    if not folder:
        return None
    from dlnotes.experiments import cache_file

    stored = Path(folder) / cache_file(run, {})  # where dlnotes.experiments.cached() stores run()
    if not stored.exists():
        return None
    return json.dumps(json.loads(stored.read_text()), sort_keys=True)


@functools.cache
def result(name: str) -> dict:
    """The result of figure ``name``'s experiment with its defaults (computed once).

    Either way the result goes through JSON, as the site build's cache does, so every test
    sees the same types.
    """
    run, _plot = figures()[name]
    folder = os.environ.get("DLNOTES_TEST_RESULTS")
    if not folder:
        return json.loads(json.dumps(run(), sort_keys=True))
    path = Path(folder) / f"{name}.json"
    with _locked(path):
        if not path.exists():
            text = _from_the_build_cache(run) or json.dumps(run(), sort_keys=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text)
            tmp.replace(path)
    return json.loads(path.read_text())
