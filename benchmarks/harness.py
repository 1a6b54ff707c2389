"""Time each registered case, ours against torch, in one process; print and save the results.

A :class:`Case` names one operation at one size; its ``setup`` builds fresh inputs and returns
two zero-argument callables, ours and torch's, that do the same work and return comparable
results. For each thread count, the harness

1. calls both once per case and checks that they agree (never benchmark a wrong answer),
2. times them with ``torch.utils.benchmark.Timer.blocked_autorange`` in alternating rounds
   (ours, torch, ours, torch, ...), so a burst of load from other processes hits both sides,
3. merges each side's rounds and reports the median and interquartile range per call, and the
   ratio of the medians.

A question's cases are data: ``benchmarks/cases/<topic>.py``, named after the question's slug
with ``_`` (``batch_norm.py`` for the page ``docs/batch-norm.{en,zh}.md``, as its experiments
module ``dlnotes.experiments.batch_norm``), declares ``OPS``, a list of :class:`Op`; each ``Op``
expands to one :class:`Case` per mode it lists. :func:`timed` wraps a
call for a mode (no_grad for eval, input gradients for forward + backward), so a setup only
builds inputs and the two calls.

Usage: ``python -m benchmarks [--threads 1 2] [--only TEXT] [--min-run-time SECONDS]
[--no-save]``. Without ``--only`` every case is measured; with it, the cases whose name contains
``TEXT``, or the cases of the question ``TEXT`` (``--only batch-norm``, or ``batch_norm``). Either
way the run is merged into ``benchmarks/results.json`` by case name
(:func:`benchmarks.results.merge`): the measured cases' rows are replaced, every other row is kept
with the machine it was measured on.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import pkgutil
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch.testing import assert_close
from torch.utils.benchmark import Measurement, Timer

from benchmarks import results

Fn = Callable[[], Any]


@dataclass(frozen=True)
class Case:
    """One operation at one size, ours against torch.

    Attributes:
        name: Unique id, ``"<op>/<mode>"``, e.g. ``"batch_norm/train-forward"``.
        op: The dlnotes operation, e.g. ``"batch_norm"``.
        mode: What is timed, one of :data:`benchmarks.results.MODES`.
        ours: Our callable's qualified name, for the table.
        torch: The torch counterpart's qualified name.
        size: Input size and dtype as shown in the table, e.g. ``"(64, 64, 32, 32) float32"``.
        setup: Builds fresh inputs and returns ``(ours_fn, torch_fn)``, two zero-argument
            callables doing the same work; their results are compared once before timing.
        target: Largest acceptable ours/torch ratio, or None for no promise.
        tolerance: atol = rtol of the agreement check. It is a sanity check, not the parity
            proof (tests/test_norm.py is): float32 sums over thousands of values, such as a
            weight gradient, differ from torch's in the fourth digit.
        page: The question the case serves, its slug (``"batch-norm"``).
        module: The cases module it comes from (``"batch_norm"`` for
            ``benchmarks/cases/batch_norm.py``): the slug with ``_``.
    """

    name: str
    op: str
    mode: str
    ours: str
    torch: str
    size: str
    setup: Callable[[], tuple[Fn, Fn]]
    target: float | None = None
    tolerance: float = 1e-3
    page: str = ""
    module: str = ""


@dataclass(frozen=True)
class Op:
    """One operation, ours against torch, declared as data: one :class:`Case` per mode.

    Attributes:
        op: The operation's name, the first half of each case name (``"batch_norm"``).
        ours: Our callable's qualified name, e.g. ``"dlnotes.norm.batch_norm"``.
        torch: The torch counterpart's name as the table shows it, e.g. ``"F.batch_norm"``.
        size: Input size and dtype as shown in the table.
        setup: ``setup(mode)`` builds fresh seeded inputs and returns ``(ours_fn, torch_fn)``,
            two zero-argument callables doing the same work (see :func:`timed`).
        modes: Each mode to time, with the largest acceptable ours/torch ratio or None.
        tolerance: See :class:`Case`.
    """

    op: str
    ours: str
    torch: str
    size: str
    setup: Callable[[str], tuple[Fn, Fn]]
    modes: Mapping[str, float | None]
    tolerance: float = 1e-3

    def cases(self, page: str, module: str) -> list[Case]:
        """One case per mode, named ``"<op>/<mode>"``."""
        return [
            Case(
                name=f"{self.op}/{mode}",
                op=self.op,
                mode=mode,
                ours=self.ours,
                torch=self.torch,
                size=self.size,
                setup=lambda mode=mode: self.setup(mode),
                target=target,
                tolerance=self.tolerance,
                page=page,
                module=module,
            )
            for mode, target in self.modes.items()
        ]


def timed(mode: str, fn: Fn, wrt: Sequence[torch.Tensor] = (), grad: Any = None) -> Fn:
    """``fn`` wrapped for ``mode``: what one timed call does.

    - ``"eval-forward"``: ``fn()`` under ``torch.no_grad()``;
    - ``"train-forward-backward"``: ``fn()``, then the gradients of ``wrt`` for the upstream
      gradient ``grad`` (``torch.autograd.grad``, nothing accumulates into ``.grad``);
    - any other mode: ``fn()`` as it is.
    """
    if mode not in results.MODES:
        raise ValueError(f"unknown mode {mode!r}, expected one of {[*results.MODES]}")
    if mode == "eval-forward":
        return torch.no_grad()(fn)
    if mode == "train-forward-backward":
        if not wrt or grad is None:
            raise ValueError("train-forward-backward needs the inputs (wrt) and grad")
        return lambda: torch.autograd.grad(fn(), list(wrt), grad)
    return fn


def discover() -> list[Case]:
    """The cases of every module in ``benchmarks.cases`` (its ``OPS``), in module order.

    A module serves the question whose slug is its name with ``-`` for ``_``.
    """
    import benchmarks.cases as package

    found: list[Case] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        ops = getattr(module, "OPS", None)
        if not isinstance(ops, list):
            raise ValueError(f"{module.__name__} must declare OPS (a list of Op)")
        for op in ops:
            found += op.cases(question(info.name), info.name)
    names = [case.name for case in found]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"benchmark cases declared twice: {duplicated}")
    unknown = [case.name for case in found if case.mode not in results.MODES]
    if unknown:
        raise ValueError(f"cases with a mode not in results.MODES: {unknown}")
    return found


def machine_info() -> dict[str, Any]:
    """What the numbers depend on: CPU, its vector ISA, the software versions, the date."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count() or 1,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _summary(m: Measurement) -> dict[str, Any]:
    return {"median_us": m.median * 1e6, "iqr_us": m.iqr * 1e6, "runs": len(m.times)}


def check(case: Case) -> None:
    """Raise unless ours and torch's callables return the same values."""
    ours_fn, torch_fn = case.setup()
    try:
        assert_close(ours_fn(), torch_fn(), atol=case.tolerance, rtol=case.tolerance)
    except AssertionError as error:
        raise AssertionError(f"{case.name}: ours and torch disagree\n{error}") from None


def measure(case: Case, threads: int, rounds: int, min_run_time: float) -> dict[str, Any]:
    """Time one case at one thread count; return its results row."""
    torch.set_num_threads(threads)
    ours_fn, torch_fn = case.setup()
    ours_fn(), torch_fn()  # warm up: first-call allocations, lazy initialisation
    timers = {
        side: Timer("fn()", globals={"fn": fn}, num_threads=threads, description=side)
        for side, fn in (("ours", ours_fn), ("torch", torch_fn))
    }
    rounds_by_side: dict[str, list[Measurement]] = {"ours": [], "torch": []}
    for _ in range(rounds):
        for side, timer in timers.items():
            rounds_by_side[side].append(timer.blocked_autorange(min_run_time=min_run_time))
    ours, theirs = (Measurement.merge(rounds_by_side[side])[0] for side in ("ours", "torch"))
    ratio = ours.median / theirs.median
    return {
        "case": case.name,
        "op": case.op,
        "mode": case.mode,
        "page": case.page,
        "run": 0,
        "ours": case.ours,
        "torch": case.torch,
        "size": case.size,
        "threads": threads,
        "ours_time": _summary(ours),
        "torch_time": _summary(theirs),
        "ratio": ratio,
        "target": case.target,
        "met": None if case.target is None else ratio <= case.target,
    }


def _ms(time: dict[str, Any]) -> str:
    return f"{time['median_us'] / 1e3:8.3f} ± {time['iqr_us'] / 1e3:6.3f}"


def format_table(data: dict[str, Any]) -> str:
    """Plain-text table for the terminal: medians ± IQR in ms, ratio, target."""
    m = data["runs"][-1]
    lines = [
        f"{m['cpu']} ({m['logical_cpus']} logical CPUs, {m['cpu_capability']}), "
        f"torch {m['torch']}, Python {m['python']}, {m['date']}, load {m['load_average']}",
        f"{'case':<34} {'thr':>3} {'ours ms (±IQR)':>17} {'torch ms (±IQR)':>17} "
        f"{'ours/torch':>10}  target",
    ]
    for row in data["results"]:
        verdict = "" if row["target"] is None else f"≤{row['target']}: "
        verdict += {None: "-", True: "met", False: "MISSED"}[row["met"]]
        lines.append(
            f"{row['case']:<34} {row['threads']:>3} {_ms(row['ours_time'])} "
            f"{_ms(row['torch_time'])} {row['ratio']:>9.2f}x  {verdict}"
        )
    return "\n".join(lines)


def question(module: str) -> str:
    """The slug of the question a cases module serves: ``"batch_norm"`` -> ``"batch-norm"``."""
    return module.replace("_", "-")


def selected(cases: list[Case], only: str) -> list[Case]:
    """The cases ``--only`` picks: the name contains ``only``, or ``only`` names the question
    (its slug, ``batch-norm``, or its cases module, ``batch_norm``)."""
    return [case for case in cases if only in case.name or only in (case.page, case.module)]


def main(argv: Sequence[str] | None = None) -> int:
    summary = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=summary)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="default: 1 2")
    parser.add_argument(
        "--only", default="", help="measure the cases whose name contains this, or a question's"
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per side")
    parser.add_argument("--min-run-time", type=float, default=0.4, help="seconds per round")
    parser.add_argument("--no-save", action="store_true", help=f"do not write {results.RESULTS}")
    args = parser.parse_args(argv)

    every = discover()
    cases = selected(every, args.only)
    if not cases:
        parser.error(f"no case name contains {args.only!r} and no question is called that")
    data: dict[str, Any] = {
        "schema": results.SCHEMA,
        "runs": [machine_info()],
        "threads": args.threads,
        "page_threads": args.threads[0],
        "results": [],
    }
    previous_threads = torch.get_num_threads()
    for case in cases:  # every case agrees with torch before anything is timed
        check(case)
    try:
        for threads in args.threads:
            for case in cases:
                print(f"[{threads} thread(s)] {case.name} ...", file=sys.stderr, flush=True)
                data["results"].append(measure(case, threads, args.rounds, args.min_run_time))
    finally:
        torch.set_num_threads(previous_threads)
    print(format_table(results.validate(data)))
    if args.no_save:
        print("(not saved: --no-save)", file=sys.stderr)
    else:
        old = results.load() if results.RESULTS.exists() else None
        merged = results.merge(old, data, keep={case.name for case in every})
        results.save(merged)
        kept = len(merged["results"]) - len(data["results"])
        print(
            f"saved {results.RESULTS}: {len(data['results'])} rows measured now, "
            f"{kept} kept from earlier runs",
            file=sys.stderr,
        )
    missed = [r["case"] for r in data["results"] if r["met"] is False]
    if missed:
        print(f"targets missed: {missed}", file=sys.stderr)
    return 0
