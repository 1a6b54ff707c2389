"""The benchmark data file: its location, its format, its validation and how runs are merged.

``benchmarks/results.json`` is written by ``python -m benchmarks`` and read by the site
(``hooks/performance.py`` renders it into the Performance page). This module does not import
torch, so the site build and the tests can validate the file cheaply.

Format (``schema`` 2)::

    {
      "schema": 2,
      "runs": [                           # the runs the rows come from, oldest first
        {"cpu": str, "logical_cpus": int, "cpu_capability": str, "platform": str,
         "python": str, "torch": str, "date": str, "load_average": [float, ...]}
      ],
      "threads": [1, 2],                  # thread counts of the rows, in order
      "page_threads": 1,                  # the thread count the page's reference tables show
      "results": [                        # one row per (case, thread count)
        {"case": "batch_norm/train-forward", "op": "batch_norm", "mode": "train-forward",
         "page": "batch-norm",            # the question the case serves (docs/<page>.<lang>.md)
         "run": 0,                        # index into "runs": where and when it was measured
         "ours": "dlnotes.norm.batch_norm", "torch": "F.batch_norm",
         "size": "(64, 64, 32, 32) float32", "threads": 1,
         "ours_time": {"median_us": float, "iqr_us": float, "runs": int},
         "torch_time": {"median_us": float, "iqr_us": float, "runs": int},
         "ratio": float,                  # ours median / torch median, same process and run
         "target": float | None,          # the ratio we promise to stay under, if any
         "met": bool | None}              # ratio <= target (None without a target)
      ]
    }

A run that re-measures some cases (``python -m benchmarks --only conv``) is merged into the
file by :func:`merge`: its rows replace the rows of the same case names, the other rows are
kept with the run they were measured in. Ratios are only ever computed within one row, so rows
from different runs never mix in one number; the page says which run each table comes from.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"
SCHEMA = 2

# What a case times (both sides do exactly the same thing), and its label on the Performance
# page in every language of the site. The one place mode names and labels are written: a mode
# without a label in one of the site's languages fails tests/test_benchmarks_page.py and the
# build (hooks/performance.py), naming the mode and the language.
MODES: dict[str, dict[str, str]] = {
    "train-forward": {
        "about": "training-mode forward, autograd recording (parameters require grad)",
        "en": "training forward",
        "zh": "训练前向",
    },
    "train-forward-backward": {
        "about": "training-mode forward, then the gradients of every input",
        "en": "training forward + backward",
        "zh": "训练前向 + 反向",
    },
    "eval-forward": {
        "about": "eval-mode forward under torch.no_grad()",
        "en": "eval forward",
        "zh": "推理前向",
    },
    "backward": {
        "about": "the backward pass alone, from saved statistics (torch) or the input (ours)",
        "en": "backward only",
        "zh": "仅反向",
    },
    "call": {
        "about": "one call of a plain function (no autograd)",
        "en": "one call",
        "zh": "单次调用",
    },
}


def mode_label(mode: str, lang: str) -> str:
    """The label of ``mode`` in language ``lang``.

    Raises:
        ValueError: if the mode is unknown or has no label in that language.
    """
    if mode not in MODES:
        raise ValueError(f"unknown benchmark mode {mode!r}, expected one of {[*MODES]}")
    label = MODES[mode].get(lang)
    if not label:
        raise ValueError(
            f"benchmark mode {mode!r} has no {lang!r} label: add it to MODES in "
            "benchmarks/results.py"
        )
    return label


_MACHINE_KEYS = {
    "cpu": str,
    "logical_cpus": int,
    "cpu_capability": str,
    "platform": str,
    "python": str,
    "torch": str,
    "date": str,
    "load_average": list,
}
_ROW_KEYS = {
    "case": str,
    "op": str,
    "mode": str,
    "page": str,
    "run": int,
    "ours": str,
    "torch": str,
    "size": str,
    "threads": int,
    "ours_time": dict,
    "torch_time": dict,
    "ratio": float,
}


def _require(mapping: dict[str, Any], keys: dict[str, type], where: str) -> None:
    for key, kind in keys.items():
        if key not in mapping:
            raise ValueError(f"{where}: missing key {key!r}")
        value = mapping[key]
        ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
        if not ok or isinstance(value, bool):
            raise ValueError(f"{where}: {key!r} must be {kind.__name__}, got {value!r}")


def _check_time(time: Any, where: str) -> None:
    _require(time, {"median_us": float, "iqr_us": float, "runs": int}, where)
    if not (time["median_us"] > 0 and time["iqr_us"] >= 0 and time["runs"] > 0):
        raise ValueError(f"{where}: need median_us > 0, iqr_us >= 0, runs > 0, got {time}")


def validate(data: Any) -> dict[str, Any]:
    """Check that ``data`` follows the format above; return it unchanged.

    Raises:
        ValueError: naming the first problem found (missing key, wrong type, a ratio that
            does not follow from the medians, a ``met`` flag that does not follow from the
            target, a duplicated row, a thread count that was not measured, a row pointing at
            no run or a run no row points at).
    """
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"benchmark data must be a dict with schema {SCHEMA}")
    _require(data, {"runs": list, "threads": list, "page_threads": int, "results": list}, "data")
    if not data["runs"]:
        raise ValueError("runs is empty")
    for i, run in enumerate(data["runs"]):
        if not isinstance(run, dict):
            raise ValueError(f"runs[{i}]: must be a dict")
        _require(run, _MACHINE_KEYS, f"runs[{i}]")
    if data["page_threads"] not in data["threads"]:
        raise ValueError(f"page_threads {data['page_threads']} not among threads {data['threads']}")
    if not data["results"]:
        raise ValueError("results is empty")
    seen = set()
    for i, row in enumerate(data["results"]):
        where = f"results[{i}]"
        if not isinstance(row, dict):
            raise ValueError(f"{where}: must be a dict")
        _require(row, _ROW_KEYS, where)
        if row["mode"] not in MODES:
            raise ValueError(f"{where}: unknown mode {row['mode']!r}, expected one of {[*MODES]}")
        if row["threads"] not in data["threads"]:
            raise ValueError(f"{where}: threads {row['threads']} not among {data['threads']}")
        if not 0 <= row["run"] < len(data["runs"]):
            raise ValueError(f"{where}: run {row['run']} is not an index into runs")
        if (row["case"], row["threads"]) in seen:
            raise ValueError(f"{where}: case {row['case']!r} at {row['threads']} threads twice")
        seen.add((row["case"], row["threads"]))
        _check_time(row["ours_time"], f"{where}.ours_time")
        _check_time(row["torch_time"], f"{where}.torch_time")
        ratio = row["ours_time"]["median_us"] / row["torch_time"]["median_us"]
        if not math.isclose(row["ratio"], ratio, rel_tol=1e-3):
            raise ValueError(f"{where}: ratio {row['ratio']} != ours/torch medians = {ratio:.4g}")
        target, met = row.get("target"), row.get("met")
        if target is None:
            if met is not None:
                raise ValueError(f"{where}: met must be None without a target")
        elif not isinstance(target, (int, float)) or target <= 0:
            raise ValueError(f"{where}: target must be a positive number or None, got {target!r}")
        elif met is not (ratio <= target):
            raise ValueError(f"{where}: met={met!r} but ratio {ratio:.3g} vs target {target}")
    unused = set(range(len(data["runs"]))) - {row["run"] for row in data["results"]}
    if unused:
        raise ValueError(f"runs {sorted(unused)} are not used by any row")
    return data


def merge(old: dict[str, Any] | None, new: dict[str, Any], keep: set[str] | None = None) -> dict:
    """``old`` with the cases measured in ``new`` replaced by ``new``'s rows.

    Rows are matched by case name: every row of a case ``new`` measured (at any thread count)
    is dropped from ``old``, and ``new``'s rows are added. The other rows stay as they were,
    with the run they were measured in; runs no row uses any more are dropped. Rows follow
    ``old``'s order, a re-measured case takes the place of its first old row, new cases go last.

    Args:
        old: The data file's content, or None for a first run.
        new: A run's data (same format; its rows may use any of its runs).
        keep: If given, old rows whose case is not in it (a case that was renamed or removed)
            are dropped too.

    Returns:
        The merged data, validated.
    """
    validate(new)
    if old is None:
        return new
    validate(old)
    replaced = {row["case"] for row in new["results"]}
    kept = [
        row
        for row in old["results"]
        if row["case"] not in replaced and (keep is None or row["case"] in keep)
    ]
    # Runs: the old ones still used, then the new ones; rows re-pointed at the new indexes.
    used = sorted({row["run"] for row in kept})
    runs = [old["runs"][i] for i in used] + list(new["runs"])
    old_index = {run: i for i, run in enumerate(used)}
    new_rows = [{**row, "run": row["run"] + len(used)} for row in new["results"]]
    kept = [{**row, "run": old_index[row["run"]]} for row in kept]
    # Order: where the case was in the old file; cases new to the file go last.
    order = {}
    for row in old["results"]:
        order.setdefault(row["case"], len(order))
    rows = sorted(kept + new_rows, key=lambda r: (order.get(r["case"], len(order)), r["threads"]))
    threads = sorted({row["threads"] for row in rows})
    page_threads = old["page_threads"] if old["page_threads"] in threads else new["page_threads"]
    return validate(
        {
            "schema": SCHEMA,
            "runs": runs,
            "threads": threads,
            "page_threads": page_threads,
            "results": rows,
        }
    )


def load(path: Path | None = None) -> dict[str, Any]:
    """Read and validate a results file (default: :data:`RESULTS`, looked up at call time)."""
    path = RESULTS if path is None else path
    return validate(json.loads(path.read_text(encoding="utf-8")))


def save(data: dict[str, Any], path: Path | None = None) -> None:
    """Validate, then write ``data`` (default: to :data:`RESULTS`, looked up at call time)."""
    path = RESULTS if path is None else path
    text = json.dumps(validate(data), indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
