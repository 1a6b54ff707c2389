"""Measure the site and test budgets and exit non-zero when one is exceeded (``make budgets``).

- cold build, 180 s: what ``make build`` runs (the compute step, ``scripts/compute.py``, then
  ``mkdocs build --strict``) on a fresh copy of the working tree without ``.cache/``, ``site/``,
  figures or executed notebooks, so every experiment runs and every notebook is executed;
- page edit, 5 s: ``make serve`` (``scripts/compute.py serve``) on that copy, results computed;
  one page (``EDITED``) gets a new paragraph, timed from the write until the served page shows
  it: the rebuild a writer waits for. Measured for the whole site and for ``make serve ONLY=en``
  (English only, no API reference: the writer's fast loop);
- warm rebuild, 20 s: ``make build``'s two commands in place, nothing changed since the last;
- serve, first response, 10 s: ``make serve`` in place, from launch until ``GET /`` answers 200;
- make test, 240 s: ``make test`` in place, timed as a whole (lint, the distributions, pytest);
- fresh clone, 120 s, only with ``--fresh-clone`` (it installs the whole toolchain, about 1.8 GB,
  into a temporary venv): ``git clone`` of the committed tree, the set-up step of ``make serve``
  (the Makefile's ``.venv/.installed``), then ``make serve``'s command until ``GET /`` answers 200
  (with nothing computed yet, serve answers with placeholders and the compute step runs
  meanwhile).

The copy also checks the cache the warm numbers rely on: rebuilding it unchanged must rerun no
experiment and execute no notebook, and (with ``--rerun-check``, one more slow build) editing an
experiment module must rerun that experiment and re-execute the notebooks.

The copy imports its own ``src/`` (``PYTHONPATH``), builds into a temporary folder and is deleted
afterwards; the in-place steps build into a temporary folder too, so ``site/`` is left alone.
Every line of the output names the load average at that moment: on a shared machine the numbers
are upper bounds. Usage: ``python scripts/budgets.py [--skip cold,edit,edit-en,warm,serve,tests]
[--fresh-clone] [--rerun-check] [--keep]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {
    "cold": 180.0,
    "edit": 5.0,
    "edit-en": 5.0,
    "warm": 20.0,
    "serve": 10.0,
    "tests": 240.0,
    "fresh": 120.0,
}
LABELS = {
    "cold": "cold build (fresh copy, no caches)",
    "edit": "serve: rebuild after editing one page",
    "edit-en": "serve ONLY=en: the same edit",
    "warm": "warm rebuild (in place, unchanged)",
    "serve": "make serve: first response",
    "tests": "make test",
    "fresh": "fresh clone: set-up + serve answers",
}
EDITED = Path("docs") / "batch-norm.en.md"  # the page edited by the "edit" budget
BIN = Path(sys.executable).parent  # the venv's ruff, actionlint
NOT_COPIED = {".git", ".venv", ".cache", "site", "test-artifacts", "__pycache__", ".pytest_cache"}
NOT_COPIED |= {".hypothesis", ".ruff_cache", "build", "dist"}
# The last page the compute step of a cold `make serve` completes, and its placeholder's words.
NOTEBOOK_URL = "/dlnotes/zh/notebooks/sgd/"
PENDING = "正在由 <code>make serve</code> 执行"
GENERATED = ROOT / "docs" / "assets" / "figures"  # written by scripts/compute.py


@dataclass
class Build:
    seconds: float
    log: str
    returncode: int

    @property
    def notebooks_executed(self) -> int:
        found = re.search(r"executing (\d+) notebooks", self.log)
        return int(found.group(1)) if found else 0


def environment(tree: Path) -> dict[str, str]:
    """The environment for a build of ``tree``: its own sources first, no inherited cache path."""
    env = {k: v for k, v in os.environ.items() if k != "DLNOTES_CACHE"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if tree != ROOT:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(tree / "src"), env.get("PYTHONPATH")])
        )
    return env


def build(tree: Path, site: Path) -> Build:
    """Time what ``make build`` runs for ``tree``: the compute step, then the strict build."""
    start = time.perf_counter()
    log, returncode = "", 0
    for command in (
        [sys.executable, "scripts/compute.py"],
        [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)],
    ):
        result = subprocess.run(
            command, cwd=tree, env=environment(tree), capture_output=True, text=True, check=False
        )
        log += result.stdout + result.stderr
        if result.returncode:
            print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
            returncode = result.returncode
            break
    return Build(time.perf_counter() - start, log, returncode)


def copy_tree(dest: Path) -> Path:
    """The working tree without caches, build output or generated figures."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in NOT_COPIED or n.endswith(".egg-info")}
        if Path(folder) == GENERATED.parent:
            skipped.add(GENERATED.name)
        if Path(folder).name == "notebooks":
            skipped |= {n for n in names if n.endswith(".ipynb")}
        return skipped

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    return dest


def experiment_results(tree: Path) -> set[str]:
    """File names of the stored experiment results (one per experiment and code version)."""
    folder = tree / ".cache" / "compute"
    return {p.name for p in folder.glob("*.json")} if folder.is_dir() else set()


def load() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``"load 3.1 2.8 2.5"``."""
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def check(ok: bool, what: str, failures: list[str]) -> None:
    print(f"  {'ok' if ok else 'FAILED'}: {what} [{load()}]")
    if not ok:
        failures.append(what)


def measure_copy(
    work: Path, rerun_check: bool, seconds: dict, loads: dict, failures: list[str]
) -> Path:
    """Cold build of a fresh copy, then the cache checks on that copy (returned)."""
    tree = copy_tree(work / "tree")
    print(f"cold build of a fresh copy in {tree} ...", flush=True)
    cold = build(tree, work / "site")
    check(cold.returncode == 0, "cold build succeeded", failures)
    check(
        cold.notebooks_executed > 0,
        f"cold build executed notebooks ({cold.notebooks_executed})",
        failures,
    )
    first = experiment_results(tree)
    check(bool(first), f"cold build ran the experiments ({len(first)} results stored)", failures)
    seconds["cold"] = cold.seconds
    loads["cold"] = load()

    print("unchanged rebuild of the copy ...", flush=True)
    again = build(tree, work / "site")
    check(again.returncode == 0, "unchanged rebuild succeeded", failures)
    check(
        again.notebooks_executed == 0 and experiment_results(tree) == first,
        f"unchanged rebuild reran nothing ({again.seconds:.1f} s, "
        f"{again.notebooks_executed} notebooks executed, "
        f"{len(experiment_results(tree) - first)} new experiment results)",
        failures,
    )

    if rerun_check:
        module = tree / "src" / "dlnotes" / "experiments" / "batch_norm.py"
        print(f"rebuild after editing {module.relative_to(tree)} ...", flush=True)
        module.write_text(module.read_text(encoding="utf-8") + "\n# budgets.py: edited\n")
        edited = build(tree, work / "site")
        new = experiment_results(tree) - first
        check(
            edited.returncode == 0 and bool(new) and edited.notebooks_executed > 0,
            f"editing the experiment reran it ({edited.seconds:.1f} s, {len(new)} new results, "
            f"{edited.notebooks_executed} notebooks executed)",
            failures,
        )
    return tree


def measure_warm(work: Path, seconds: dict, loads: dict, failures: list[str]) -> None:
    """A rebuild in place; if that build had to refresh a stale cache, time a second one."""
    print("warm rebuild in place ...", flush=True)
    before = experiment_results(ROOT)
    warm = build(ROOT, work / "site-in-place")
    if warm.notebooks_executed or experiment_results(ROOT) != before:
        print("  (caches were stale and have been refreshed; timing another build)", flush=True)
        warm = build(ROOT, work / "site-in-place")
    check(warm.returncode == 0, "in-place build succeeded", failures)
    check(warm.notebooks_executed == 0, "warm rebuild executed no notebook", failures)
    seconds["warm"] = warm.seconds
    loads["warm"] = load()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``mkdocs serve`` of ``tree`` on a free port, stopped on exit; output in ``log``."""

    def __init__(
        self, tree: Path, log: Path, python: str = sys.executable, only_en: bool = False
    ) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        address = f"127.0.0.1:{self.port}"
        self.command = [python, "scripts/compute.py", "serve", "--dev-addr", address]
        self.tree, self.log = tree, log
        # what `make serve ONLY=en` sets
        self.env = {"DLNOTES_ZH": "false", "DLNOTES_API": "false"} if only_en else {}

    def __enter__(self) -> Server:
        self.output = self.log.open("w")
        self.process = subprocess.Popen(
            self.command,
            cwd=self.tree,
            env={**environment(self.tree), **self.env},
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C: the compute step stops serve
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()

    def wait_for(
        self, path: str, timeout: float, text: str | None = None, without: str | None = None
    ) -> float | None:
        """Seconds until ``GET path`` answers 200 (with ``text``, ``without`` that), or None."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.origin + path, timeout=2) as response:
                    body = response.read().decode("utf-8", "replace")
                    if (
                        response.status == 200
                        and (text is None or text in body)
                        and (without is None or without not in body)
                    ):
                        return time.perf_counter() - start
            except OSError:
                pass
            time.sleep(0.05)
        return None


def measure_serve(work: Path, seconds: dict, loads: dict, failures: list[str]) -> None:
    """Launch ``mkdocs serve`` in place and time its first successful response."""
    print("mkdocs serve in place ...", flush=True)
    with Server(ROOT, work / "serve.log") as server:
        took = server.wait_for("/", timeout=180.0)
    if took is not None:
        seconds["serve"], loads["serve"] = took, load()
    check(took is not None, "mkdocs serve answered within 180 s", failures)


def measure_edit(
    tree: Path, work: Path, seconds: dict, loads: dict, failures: list[str], only_en: bool = False
) -> None:
    """Serve ``tree``, add a paragraph to one page, time until the served page shows it."""
    key = "edit-en" if only_en else "edit"
    page = tree / EDITED
    url = "/dlnotes/" + EDITED.name.removesuffix(".en.md") + "/"
    original = page.read_bytes()
    print(f"mkdocs serve of {tree}, then an edit of {EDITED} ...", flush=True)
    try:
        with Server(tree, work / f"serve-{key}.log", only_en=only_en) as server:
            if server.wait_for(url, timeout=300.0) is None:
                check(False, "mkdocs serve answered before the edit", failures)
                return
            time.sleep(2)  # let the watcher settle after the first build
            marker = f"budgets-edit-{time.time_ns()}"
            page.write_bytes(original + f"\n\n{marker}\n".encode())
            took = server.wait_for(url, timeout=120.0, text=marker)
    finally:
        if tree == ROOT:
            page.write_bytes(original)
    if took is not None:
        seconds[key], loads[key] = took, load()
    check(took is not None, f"the edit of {EDITED} was served within 120 s", failures)


def measure_fresh_clone(work: Path, seconds: dict, loads: dict, failures: list[str]) -> None:
    """``git clone``, the set-up ``make serve`` does, then serve until it answers."""
    clone = work / "clone"
    print(f"fresh clone of the committed tree in {clone}, set-up, serve ...", flush=True)
    start = time.perf_counter()
    # The clone, then the set-up step of the Makefile itself (what `make serve` runs first).
    steps = [
        ["git", "clone", "--quiet", str(ROOT), str(clone)],
        ["make", "--no-print-directory", "-C", str(clone), ".venv/.installed"],
    ]
    for step in steps:
        result = subprocess.run(step, cwd=clone if clone.exists() else work, check=False)
        if result.returncode:
            check(False, f"fresh clone set-up: {' '.join(step[:4])} ...", failures)
            return
    setup = time.perf_counter() - start
    print(f"  set-up took {setup:.0f} s [{load()}]", flush=True)
    python = str(clone / ".venv" / "bin" / "python")
    with Server(clone, work / "serve-fresh.log", python=python) as server:
        took = server.wait_for("/", timeout=600.0)
        # Not a budget: when the background work is done, the last notebook page is served.
        ready = server.wait_for(NOTEBOOK_URL, timeout=600.0, without=PENDING)
    if took is not None:
        seconds["fresh"], loads["fresh"] = setup + took, load()
    check(took is not None, f"fresh clone served (set-up {setup:.0f} s)", failures)
    check(ready is not None, "fresh clone: figures and notebooks computed under serve", failures)
    if ready is not None:
        print(f"  figures and notebooks ready {ready:.0f} s after serve started", flush=True)


def measure_tests(seconds: dict, loads: dict, failures: list[str]) -> None:
    """``make test`` in place, timed as a whole."""
    print("make test in place ...", flush=True)
    start = time.perf_counter()
    result = subprocess.run(
        ["make", "--no-print-directory", "test"],
        cwd=ROOT,
        env=environment(ROOT),
        capture_output=True,
        text=True,
        check=False,
    )
    summary = ([line for line in result.stdout.splitlines() if " passed" in line] or ["?"])[-1]
    check(result.returncode == 0, f"make test: {summary} (exit {result.returncode})", failures)
    if result.returncode:
        print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
    seconds["tests"], loads["tests"] = time.perf_counter() - start, load()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--skip", default="", help="comma-separated: cold,edit,edit-en,warm,serve,tests"
    )
    parser.add_argument(
        "--fresh-clone", action="store_true", help="also time set-up + serve of a fresh clone"
    )
    parser.add_argument("--rerun-check", action="store_true", help="also edit an experiment")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    if not args.fresh_clone:
        skip.add("fresh")
    if skip - LIMITS.keys():
        parser.error(f"unknown budgets in --skip: {sorted(skip - LIMITS.keys())}")

    print(
        f"{os.cpu_count()} logical CPUs, {load()}, "
        f"Python {sys.version.split()[0]} ({sys.executable})"
    )
    seconds: dict[str, float] = {}
    loads: dict[str, str] = {}
    failures: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="dlnotes-budgets-"))
    try:
        tree = ROOT
        if "cold" not in skip:
            tree = measure_copy(work, args.rerun_check, seconds, loads, failures)
        if "edit" not in skip:
            measure_edit(tree, work, seconds, loads, failures)
        if "edit-en" not in skip:
            measure_edit(tree, work, seconds, loads, failures, only_en=True)
        if "warm" not in skip:
            measure_warm(work, seconds, loads, failures)
        if "serve" not in skip:
            measure_serve(work, seconds, loads, failures)
        if "tests" not in skip:
            measure_tests(seconds, loads, failures)
        if "fresh" not in skip:
            measure_fresh_clone(work, seconds, loads, failures)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\n{'budget':<38} {'measured':>9} {'limit':>7}        load after (1/5/15 min)")
    for key, limit in LIMITS.items():
        if key in seconds:
            over = seconds[key] > limit
            verdict = "OVER" if over else "ok  "
            print(
                f"{LABELS[key]:<38} {seconds[key]:>8.1f}s {limit:>6.0f}s  {verdict}  {loads[key]}"
            )
            if over:
                failures.append(f"{LABELS[key]} over budget")
    if failures:
        print("\nfailed: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
