"""The compute step: every experiment's figure and every executed notebook, before MkDocs builds.

MkDocs only renders what this step writes; no hook runs an experiment or a kernel.

- **Figures.** Each ``dlnotes.experiments`` module lists its figures in ``FIGURES``
  (``dlnotes.experiments.figures()`` finds them). Each is run and drawn once per site language
  as ``docs/assets/figures/<name>.<lang>.svg`` (untracked: every image on the site comes from
  code here).
- **Notebooks.** Each jupytext source ``docs/notebooks/<slug>.<lang>.py`` is executed in a fresh
  kernel (nbclient) into ``docs/notebooks/<slug>.<lang>.ipynb`` with its outputs: the file
  mkdocs-jupyter renders and the page's download button gives, which opens in Jupyter as it is.
  Its first code cell, the reader's ``%pip install``, is tagged ``skip-execution``: nbclient
  skips it here (this environment has the package), Jupyter and Colab run it.
- **Notebooks for Colab.** Each source is also converted, without outputs, to the tracked
  ``notebooks/<slug>.<lang>.ipynb`` that the page's "Open in Colab" link opens from the
  repository (``tests/test_notebooks_fresh.py`` checks they are in sync).

**One content-addressed cache**, ``.cache/compute/`` (``DLNOTES_CACHE`` names another): the
experiments' results (``dlnotes.experiments.cached``), the SVGs and the executed notebooks, each
file named by what it is and the hash of everything it depends on. An unchanged input is never
computed twice; a changed experiment redraws its own figures only. The work runs in a pool of
processes, one per core (``DLNOTES_JOBS`` overrides), each experiment and kernel on one thread.

``STAMP`` records the digest of every input (``inputs_digest``) and the files written: the
build's check (``hooks/figures.py``) compares it without importing torch, and fails with the
command to run when the results are missing or out of date.

Usage::

    python scripts/compute.py                  # compute what is missing (make build runs it)
    python scripts/compute.py serve [ARGS...]  # mkdocs serve at once, computing meanwhile

``serve`` writes a placeholder for each missing figure and notebook (the unexecuted notebook,
with a note), starts ``mkdocs serve ARGS`` and computes the real files; serve's watcher
rebuilds each page as its files land. When the package or a notebook changes while serving,
the step computes again. Stopping serve (Ctrl-C) stops the work, and so does serve ending on
its own.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from importlib.metadata import version
from multiprocessing import get_context
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

SELF = Path(__file__).resolve()
ROOT = SELF.parent.parent
PACKAGE = ROOT / "src" / "dlnotes"
PLOTTING = PACKAGE / "experiments" / "plotting.py"  # the one figure style
DOCS = ROOT / "docs"
FIGURES_OUT = DOCS / "assets" / "figures"
NOTEBOOKS = DOCS / "notebooks"
COLAB = ROOT / "notebooks"  # tracked: what the Colab links open from the repository
# nbclient's documented tag (its default skip_cells_with_tag) for the reader's install cell
SKIP_TAG = "skip-execution"
CACHE = Path(os.environ.get("DLNOTES_CACHE") or ROOT / ".cache" / "compute")
STAMP = CACHE / "STAMP"
COMMAND = "make compute"  # what the build's check tells a writer to run

# Distributions whose version changes a figure or a notebook's outputs: what the notebooks and
# dlnotes import, and what executes the notebooks (tests/test_compute.py checks the imports).
PACKAGES = (
    "torch",
    "numpy",
    "matplotlib",
    "scikit-learn",
    "ipykernel",
    "nbclient",
    "nbformat",
    "jupytext",
)

# A notebook cell that runs longer than this fails the step (the slowest takes about 30 s).
CELL_TIMEOUT = 600


def languages() -> tuple[str, ...]:
    """The site's languages, default first, from mkdocs.yml (through the hooks' reader)."""
    return _site("languages")()  # type: ignore[no-any-return]


def site_url() -> str:
    """mkdocs.yml's ``site_url``, ending in a slash."""
    return str(_site("site_config")()["site_url"]).rstrip("/") + "/"


def _site(name: str) -> Any:
    """A reader of mkdocs.yml from hooks/_shared.py (the hooks' own, so both agree)."""
    sys.path.insert(0, str(ROOT / "hooks"))
    try:
        import _shared
    finally:
        sys.path.remove(str(ROOT / "hooks"))
    return getattr(_shared, name)


def notebook_sources() -> list[Path]:
    """Every jupytext notebook source, ``docs/notebooks/<slug>.<lang>.py``."""
    return sorted(NOTEBOOKS.glob("*.py"))


def _hash(parts: Iterable[bytes | str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _package_sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _versions() -> str:
    return " ".join(f"{name} {version(name)}" for name in PACKAGES)


def inputs_digest(langs: tuple[str, ...]) -> str:
    """Hash of everything the step reads: the package, the notebook sources, this file, the
    package versions and the languages. Cheap: nothing heavy is imported."""
    parts: list[bytes | str] = [_versions(), " ".join(langs), SELF.read_bytes()]
    for folder, paths in ((PACKAGE, _package_sources()), (NOTEBOOKS, notebook_sources())):
        for path in paths:
            parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return _hash(parts)


def stamp_problem(langs: tuple[str, ...], current: str | None = None) -> str | None:
    """Why the results in ``docs/`` are not those of the current inputs (``current``: their
    digest, when the caller has it), or None if they are."""
    if not STAMP.exists():
        return "figures and notebooks have not been computed"
    digest, *files = STAMP.read_text(encoding="utf-8").split()
    if digest != (current or inputs_digest(langs)):
        return "figures and notebooks are out of date (the package or a notebook changed)"
    missing = [name for name in files if not (DOCS / name).exists()]
    if missing:
        return f"{len(missing)} computed files are missing, e.g. docs/{missing[0]}"
    return None


# --- figures -------------------------------------------------------------------------------


def _figure_jobs(
    langs: tuple[str, ...],
) -> list[tuple[str, str, dict[str, Path], dict[str, Path]]]:
    """``(module, name, {lang: stored}, {lang: target})`` per figure: its SVG in the cache and
    in ``docs/``, per language."""
    from dlnotes.experiments import cache_key, figures

    style = _hash(
        [
            f"matplotlib {version('matplotlib')}",
            PLOTTING.read_bytes(),
            SELF.read_bytes(),
        ]
    )
    jobs = []
    for name, (module, run, _plot) in figures().items():
        key = _hash([cache_key(run, {}), style])
        stored = {lang: CACHE / f"{name}-{key}.{lang}.svg" for lang in langs}
        targets = {lang: FIGURES_OUT / f"{name}.{lang}.svg" for lang in langs}
        jobs.append((module, name, stored, targets))
    return jobs


def draw_figure(module: str, name: str, langs: list[str]) -> dict[str, bytes]:
    """In a worker: run figure ``name``'s experiment (cached) and draw it in every language."""
    from dlnotes.experiments.plotting import render

    return render(module, name, langs)


# Two short lines, so that the text fits the box at any width (the box shrinks with the column).
PENDING_TEXT = {
    "en": ("This figure is being computed by make serve;", "the page reloads when it is ready."),
    "zh": ("这张图正在由 make serve 计算，", "完成后页面自动刷新。"),
}
PENDING_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="480pt" height="60pt" viewBox="0 0 640 80">'
    '<rect width="640" height="80" fill="none" stroke="#888" stroke-dasharray="6 4"/>'
    '<text x="320" font-size="18" text-anchor="middle" fill="#666">'
    '<tspan x="320" y="35">{0}</tspan><tspan x="320" y="60">{1}</tspan></text></svg>'
)


# --- notebooks -----------------------------------------------------------------------------


def _notebook_jobs() -> list[tuple[Path, Path, Path]]:
    """``(source, stored, target)`` per notebook."""
    package = _hash([_versions(), SELF.read_bytes()] + [p.read_bytes() for p in _package_sources()])
    jobs = []
    for source in notebook_sources():
        key = _hash([source.read_bytes(), package])
        stem = source.stem  # batch-norm.en
        jobs.append((source, CACHE / f"{stem}-{key}.ipynb", source.with_suffix(".ipynb")))
    return jobs


def read_notebook(source: str | Path) -> Any:
    """The jupytext source as a notebook, without jupytext's pairing metadata (which would make
    Jupyter look for the .py next to the download)."""
    import jupytext

    notebook = jupytext.read(source)
    notebook.metadata.pop("jupytext", None)
    return notebook


def execute_notebook(source: str) -> bytes:
    """In a worker: run a jupytext notebook top to bottom in a new kernel; the ``.ipynb`` bytes.

    The kernel talks to this process over IPC (a socket file in a private temporary folder), so
    it neither opens TCP ports nor warns that they are unencrypted.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebook = read_notebook(source)
    with tempfile.TemporaryDirectory(prefix="dlnotes-kernel-") as folder:
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=f"{folder}/kernel")
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=CELL_TIMEOUT,
            skip_cells_with_tag=SKIP_TAG,
            resources={"metadata": {"path": str(Path(source).parent)}},
        )
        try:
            client.execute()
        finally:  # a kernel manager we pass in is ours to shut down (nbclient's owns_km)
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    return nbformat.writes(notebook).encode()


# A link from a notebook to a page of the site, relative to the notebook's page
# (notebooks/<slug>/): right on the site and in the offline copy, dead in Colab.
SITE_LINK = re.compile(r"\]\(\.\./\.\./([^)#\s]*)")


def colab_notebook(source: str | Path) -> bytes:
    """The jupytext source as an ``.ipynb`` without outputs, byte for byte the same on every
    run (cell ids by position: nbformat would draw random ones). Its links to the site's
    pages point at the published site, in the notebook's language: Colab opens the file from
    the repository, where a relative link leads nowhere."""
    import nbformat

    notebook = read_notebook(source)
    lang = Path(source).stem.rsplit(".", 1)[-1]
    default = languages()[0]
    pages = site_url() + ("" if lang == default else f"{lang}/")
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
        if cell.cell_type == "markdown":
            cell.source = SITE_LINK.sub(lambda m: f"]({pages}{m[1]}", cell.source)
    return nbformat.writes(notebook).encode()


def write_colab_notebooks() -> None:
    """Bring ``notebooks/<slug>.<lang>.ipynb`` in line with the sources (cheap: no kernel)."""
    for source in notebook_sources():
        _write(COLAB / f"{source.stem}.ipynb", colab_notebook(source))


def pending_notebook(source: Path, lang: str) -> bytes:
    """The notebook without outputs, with a first cell saying it is being executed."""
    import nbformat

    notebook = read_notebook(source)
    text = {
        "en": "*This notebook is being executed by `make serve`: its outputs appear, and the page "
        "reloads, when it is ready.*",
        "zh": "*这个 notebook 正在由 `make serve` 执行：完成后显示输出，页面自动刷新。*",
    }
    note = nbformat.v4.new_markdown_cell(text.get(lang, text["en"]))
    # after the title cell, so the page keeps its title
    notebook.cells.insert(1, note)
    return nbformat.writes(notebook).encode()


# --- the step ------------------------------------------------------------------------------


def _store(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _write(target: Path, data: bytes) -> None:
    """:func:`_store` ``target`` only when its bytes change: serve's watcher rebuilds on every
    write."""
    if not (target.exists() and target.read_bytes() == data):
        _store(target, data)


def jobs_count() -> int:
    """Worker processes: ``DLNOTES_JOBS``, else one per core this process may use."""
    if os.environ.get("DLNOTES_JOBS"):
        return max(1, int(os.environ["DLNOTES_JOBS"]))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


Call = tuple[Callable[..., Any], tuple[Any, ...]]


class Stopped(Exception):
    """The work was stopped (``make serve`` ended) before it was done."""


def _run_all(pool: Pool | None, calls: list[Call], stop: Callable[[], bool]) -> list[Any]:
    """Each ``fn(*args)``, in the pool; :class:`Stopped` as soon as ``stop()`` says so (checked
    every second)."""
    if pool is None:
        return [fn(*args) for fn, args in calls]
    results = [pool.apply_async(fn, args) for fn, args in calls]
    for result in results:
        while not result.ready():
            if stop():
                raise Stopped
            result.wait(1)
    return [result.get() for result in results]


def placeholders(langs: tuple[str, ...]) -> int:
    """Write a placeholder for every figure and notebook that has no file yet; how many."""
    written = 0
    for _module, _name, _stored, targets in _figure_jobs(langs):
        for lang, target in targets.items():
            if not target.exists():
                text = PENDING_TEXT.get(lang, PENDING_TEXT["en"])
                _write(target, PENDING_SVG.format(*text).encode())
                written += 1
    for source, _stored, target in _notebook_jobs():
        if not target.exists():
            lang = source.stem.rsplit(".", 1)[-1]
            _write(target, pending_notebook(source, lang))
            written += 1
    return written


def compute(
    langs: tuple[str, ...],
    log: Callable[[str], None] = print,
    stop: Callable[[], bool] = lambda: False,
    digest: str | None = None,
) -> None:
    """Compute every missing figure and notebook, put them all in ``docs/``, write ``STAMP``.

    ``stop`` is asked every second; when it says so the workers, and their kernels, are ended
    (:class:`Stopped`). Results stored so far stay in the cache. ``digest``: the inputs' digest,
    when the caller has just computed it.
    """
    os.environ["DLNOTES_CACHE"] = str(CACHE)  # the experiments' results, for workers and kernels
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    CACHE.mkdir(parents=True, exist_ok=True)
    digest = digest or inputs_digest(langs)
    write_colab_notebooks()
    start = time.perf_counter()
    figure_jobs = _figure_jobs(langs)
    notebook_jobs = _notebook_jobs()
    draw = [
        (module, name, stored)
        for module, name, stored, _targets in figure_jobs
        if not all(path.exists() for path in stored.values())
    ]
    execute = [(source, stored) for source, stored, _target in notebook_jobs if not stored.exists()]
    workers = min(jobs_count(), max(len(draw), len(execute), 1))
    # spawn, not fork: a fork would copy this process's threads and torch's thread pools
    # (a pool even for one worker: work in another process can be stopped mid-task)
    pool = get_context("spawn").Pool(workers) if draw or execute else None
    try:
        if draw:
            log(f"dlnotes: drawing {len(draw)} figures, {workers} at a time")
        # figures first: the notebooks then find their experiments' results in the cache
        svgs = _run_all(pool, [(draw_figure, (m, n, list(langs))) for m, n, _s in draw], stop)
        for (_module, _name, stored), drawn in zip(draw, svgs, strict=True):
            for lang, svg in drawn.items():
                _store(stored[lang], svg)
        for _module, _name, stored, targets in figure_jobs:
            for lang, target in targets.items():
                _write(target, stored[lang].read_bytes())
        if execute:
            log(f"dlnotes: executing {len(execute)} notebooks, {workers} at a time")
        executed = _run_all(pool, [(execute_notebook, (str(s),)) for s, _ in execute], stop)
        for (_source, stored), data in zip(execute, executed, strict=True):
            _store(stored, data)
        for _source, stored, target in notebook_jobs:
            _write(target, stored.read_bytes())
    finally:
        if pool is not None:
            pool.terminate()  # no-op when every task is done; else ends the workers mid-task
            pool.join()
    files = [t for *_, targets in figure_jobs for t in targets.values()]
    files += [target for *_, target in notebook_jobs]
    for stale in FIGURES_OUT.glob("*.svg"):
        if stale not in files:
            stale.unlink()
    _prune(
        [path for _m, _n, stored, _t in figure_jobs for path in stored.values()]
        + [stored for _s, stored, _t in notebook_jobs]
    )
    names = sorted(path.relative_to(DOCS).as_posix() for path in files)
    _store(STAMP, " ".join([digest, *names]).encode())
    if draw or execute:
        log(f"dlnotes: figures and notebooks ready ({time.perf_counter() - start:.0f} s)")


def build_site(dest: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """What ``make build`` runs, into ``dest``: this step (what is not cached yet), then
    ``mkdocs build --strict``, each in a process of its own with ``env`` (default: this
    process's environment; ``DLNOTES_PENDING`` is dropped: a build never takes placeholders).

    Returns the result of the first step that failed, else the build's; its output holds both
    steps'. The tests' site, ``make offline`` and ``make lighthouse`` build with it.
    """
    env = {**(os.environ if env is None else env), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DLNOTES_PENDING", None)
    step = subprocess.run(
        [sys.executable, str(SELF)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if step.returncode != 0:
        return step
    # The `mkdocs` script, as make build runs it: only the script shows Python's warnings.
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    build = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(dest)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    build.stdout = step.stdout + build.stdout
    build.stderr = step.stderr + build.stderr
    return build


def build_warnings(log: str) -> list[str]:
    """The warning lines of a build's output: MkDocs' own start the line (``--strict`` already
    fails on them), a notebook kernel's read "[IPKernelApp] WARNING | ..." (none is expected)."""
    return [
        line
        for line in log.splitlines()
        if line.lstrip().startswith("WARNING") or "] WARNING |" in line
    ]


def _prune(current: list[Path]) -> None:
    """Remove cached SVGs and notebooks of older inputs (experiment results stay: cheap, and
    shared with the tests)."""
    keep = set(current)
    for path in [*CACHE.glob("*.svg"), *CACHE.glob("*.ipynb")]:
        if path not in keep:
            path.unlink()


def serve(args: list[str]) -> int:
    """``mkdocs serve ARGS`` at once; compute meanwhile, and again when an input changes."""
    langs = languages()
    if stamp_problem(langs) is not None:
        count = placeholders(langs)
        if count:
            print(
                f"dlnotes: {count} figures and notebooks are computed in the background; "
                "their pages show a placeholder until then",
                flush=True,
            )
    env = {**os.environ, "DLNOTES_PENDING": "1"}
    # The `mkdocs` script, not `python -m mkdocs`: only the script shows Python's warnings.
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    server = subprocess.Popen([mkdocs, "serve", *args], env=env)
    try:
        done = None
        while server.poll() is None:
            current = inputs_digest(langs)
            if current != done and stamp_problem(langs, current) is not None:
                try:
                    compute(
                        langs,
                        lambda line: print(line, flush=True),
                        lambda: server.poll() is not None,  # serve ended on its own
                        current,
                    )
                except Stopped:
                    break
            done = current
            time.sleep(2)
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait()
    return server.returncode or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", choices=["serve"], help="serve while computing")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for mkdocs serve")
    options = parser.parse_args(argv)
    if options.command == "serve":
        return serve(options.args)
    compute(languages())
    return 0


if __name__ == "__main__":
    sys.exit(main())
