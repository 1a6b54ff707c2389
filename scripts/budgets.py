"""Measure the site and test budgets and exit non-zero when one is exceeded (``make budgets``).

- cold build, 180 s: ``mkdocs build --strict`` on a fresh copy of the working tree without
  ``.cache/``, ``site/`` or generated figures, so every experiment runs and every notebook is
  executed;
- warm rebuild, 20 s: the same build in place, nothing changed since the last build;
- serve, first response, 10 s: ``mkdocs serve`` in place, from launch until ``GET /`` answers
  200 (serve builds the whole site before it listens);
- test suite, 300 s: ``python -m pytest`` in place, the README's test command without the lint.

The copy also checks the caches the warm numbers rely on: rebuilding it unchanged must rerun no
experiment and execute no notebook, and (with ``--rerun-check``, one more slow build) editing an
experiment module must rerun that experiment and re-execute the notebooks.

The copy imports its own ``src/`` (``PYTHONPATH``), builds into a temporary folder and is deleted
afterwards; the in-place steps build into a temporary folder too, so ``site/`` is left alone.
Usage: ``python scripts/budgets.py [--skip cold,warm,serve,tests] [--rerun-check] [--keep]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {"cold": 180.0, "warm": 20.0, "serve": 10.0, "tests": 300.0}
LABELS = {
    "cold": "cold build (fresh copy, no caches)",
    "warm": "warm rebuild (in place)",
    "serve": "mkdocs serve: first response",
    "tests": "test suite (python -m pytest)",
}
NOT_COPIED = {".git", ".venv", ".cache", "site", "test-artifacts", "__pycache__", ".pytest_cache"}
NOT_COPIED |= {".hypothesis", ".ruff_cache", "build"}
GENERATED = ROOT / "docs" / "assets" / "figures"  # written by hooks/figures.py


@dataclass
class Build:
    seconds: float
    log: str
    returncode: int

    @property
    def notebooks_executed(self) -> int:
        return self.log.count("Converting notebook (execute=True)")


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
    """Time one ``mkdocs build --strict`` of ``tree`` into ``site``."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=tree,
        env=environment(tree),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode:
        print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
    return Build(seconds, result.stdout + result.stderr, result.returncode)


def copy_tree(dest: Path) -> Path:
    """The working tree without caches, build output or generated figures."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in NOT_COPIED or n.endswith(".egg-info")}
        if Path(folder) == GENERATED.parent:
            skipped.add(GENERATED.name)
        return skipped

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    return dest


def experiment_results(tree: Path) -> set[str]:
    """File names of the stored experiment results (one per experiment and code version)."""
    folder = tree / ".cache" / "experiments"
    return {p.name for p in folder.glob("*.json")} if folder.is_dir() else set()


def check(ok: bool, what: str, failures: list[str]) -> None:
    print(f"  {'ok' if ok else 'FAILED'}: {what}")
    if not ok:
        failures.append(what)


def measure_copy(work: Path, rerun_check: bool, seconds: dict, failures: list[str]) -> None:
    """Cold build of a fresh copy, then the cache checks on that copy."""
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


def measure_warm(work: Path, seconds: dict, failures: list[str]) -> None:
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_serve(seconds: dict, failures: list[str], timeout: float = 180.0) -> None:
    """Launch ``mkdocs serve`` in place and time its first successful response."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    print(f"mkdocs serve on {url} ...", flush=True)
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < timeout and server.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        seconds["serve"] = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    check("serve" in seconds, f"mkdocs serve answered within {timeout:.0f} s", failures)


def measure_tests(seconds: dict, failures: list[str]) -> None:
    print("python -m pytest in place ...", flush=True)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=environment(ROOT),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds["tests"] = time.perf_counter() - start
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    check(result.returncode == 0, f"test suite passed: {summary}", failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip", default="", help="comma-separated: cold,warm,serve,tests")
    parser.add_argument("--rerun-check", action="store_true", help="also edit an experiment")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    if skip - LIMITS.keys():
        parser.error(f"unknown budgets in --skip: {sorted(skip - LIMITS.keys())}")

    print(
        f"{os.cpu_count()} logical CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {sys.version.split()[0]} ({sys.executable})"
    )
    seconds: dict[str, float] = {}
    failures: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="dlnotes-budgets-"))
    try:
        if "cold" not in skip:
            measure_copy(work, args.rerun_check, seconds, failures)
        if "warm" not in skip:
            measure_warm(work, seconds, failures)
        if "serve" not in skip:
            measure_serve(seconds, failures)
        if "tests" not in skip:
            measure_tests(seconds, failures)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\n{'budget':<38} {'measured':>9} {'limit':>7}")
    for key, limit in LIMITS.items():
        if key in seconds:
            over = seconds[key] > limit
            verdict = "OVER" if over else "ok"
            print(f"{LABELS[key]:<38} {seconds[key]:>8.1f}s {limit:>6.0f}s  {verdict}")
            if over:
                failures.append(f"{LABELS[key]} over budget")
    if failures:
        print("\nfailed: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
