"""Under ``mkdocs serve``, compute figures and notebooks in the background (not a hook).

A build needs every experiment's figure and every executed notebook. On a fresh clone that is
about a minute and a half of computing on two cores, and ``mkdocs serve`` listens only after its
first build. So when serving (``hooks/figures.py`` records the command in ``on_startup``), the
build does not wait: a figure not drawn yet is served as a placeholder that says so, a notebook
page not executed yet likewise, and one background process (this file, run as a script) draws
the figures, then executes the notebooks, with the same code a build uses. Each result lands in
a file ``mkdocs serve`` watches (the SVGs under ``docs/assets/figures/``; for the notebooks, their
sources are touched when their pages are ready), so serve rebuilds and the browser reloads.

``mkdocs serve`` stops the process with its workers and kernels when it shuts down; killed
without a shutdown (or its terminal closed), the process notices its parent is gone and ends.
``mkdocs build`` never defers: it computes everything before it renders a page. This module is
imported by name from ``hooks/`` (not loaded as a hook), so its state survives the config
reloads of ``mkdocs serve``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_log = logging.getLogger("mkdocs.hooks.deferred")
_state: dict[str, Any] = {"command": None, "process": None}


def set_command(command: str) -> None:
    """Record the mkdocs command of this process (``on_startup``)."""
    _state["command"] = command


def serving() -> bool:
    """This process is ``mkdocs serve`` (not ``serve --clean``, which says ``build``)."""
    return _state["command"] == "serve"


def running() -> bool:
    """The background process started by :func:`start` is still at work."""
    process = _state["process"]
    return process is not None and process.poll() is None


def start(langs: list[str], figures: bool, notebooks: list[str], opts: dict[str, Any]) -> None:
    """Draw the figures (when ``figures``), then execute ``notebooks``, in a background process.

    Does nothing while an earlier one is still running: when it ends it touches the notebook
    sources, and the rebuild that follows starts a new one if anything is still missing.
    """
    if running() or not (figures or notebooks):
        return
    job = {"langs": langs, "figures": figures, "notebooks": notebooks, "options": opts}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(job, file)
    what = ["the figures"] * figures + [f"{len(notebooks)} notebooks"] * bool(notebooks)
    _log.info(
        "dlnotes: computing %s in the background; until they are ready their pages show a "
        "placeholder, and they reload when they are",
        " and ".join(what),
    )
    _state["process"] = subprocess.Popen(
        [sys.executable, str(Path(__file__)), file.name], start_new_session=True
    )


def stop() -> None:
    """End the background process and its workers (``on_shutdown``): results kept so far stay."""
    process = _state["process"]
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _end_with(serve: int) -> None:
    """End this process group when ``mkdocs serve`` is gone without its ``on_shutdown`` (killed,
    or its terminal closed): nobody is left to show the results."""
    while os.getppid() == serve:
        time.sleep(1)
    os.killpg(0, signal.SIGTERM)


def _run(job_file: str) -> None:
    """The background process: the same work as a build's, then a nudge to serve's watcher."""
    job = json.loads(Path(job_file).read_text(encoding="utf-8"))
    Path(job_file).unlink()
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True).start()
    sys.path.insert(0, str(HERE))
    import _notebooks
    import figures

    start = time.perf_counter()
    if job["figures"]:
        figures.refresh(job["langs"])
        print(f"dlnotes: figures ready ({time.perf_counter() - start:.0f} s)", flush=True)
    if job["notebooks"]:
        _notebooks.execute(job["notebooks"], job["options"])
        print(f"dlnotes: notebooks ready ({time.perf_counter() - start:.0f} s)", flush=True)
    # A change serve watches, with the same bytes: the rebuild reads the cache entries just
    # written. (New SVGs need no nudge: serve watches docs/.)
    for path in job["notebooks"]:
        os.utime(path)


if __name__ == "__main__":
    _run(sys.argv[1])
