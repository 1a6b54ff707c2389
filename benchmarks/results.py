"""The benchmark data file: its location, its format and its validation.

``benchmarks/results.json`` is written by ``make bench`` and read by the site
(``hooks/benchmarks.py`` renders it into the Performance page). This module does not import
torch, so the site build and the tests can validate the file cheaply.

Format (``schema`` 1)::

    {
      "schema": 1,
      "machine": {"cpu": str, "logical_cpus": int, "cpu_capability": str, "platform": str,
                  "python": str, "torch": str, "date": str, "load_average": [float, ...]},
      "threads": [1, 2],                  # thread counts measured, in order
      "page_threads": 1,                  # the thread count the page's main table shows
      "results": [                        # one row per (case, thread count)
        {"case": "batch_norm/train-forward", "op": "batch_norm", "mode": "train-forward",
         "ours": "dlnotes.norm.batch_norm", "torch": "torch.nn.functional.batch_norm",
         "size": "(64, 64, 32, 32) float32", "threads": 1,
         "ours_time": {"median_us": float, "iqr_us": float, "runs": int},
         "torch_time": {"median_us": float, "iqr_us": float, "runs": int},
         "ratio": float,                  # ours median / torch median, same process and run
         "target": float | None,          # the ratio we promise to stay under, if any
         "met": bool | None}              # ratio <= target (None without a target)
      ]
    }
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"
SCHEMA = 1

# What a case times. Both sides are timed doing exactly the same thing.
MODES = {
    "train-forward": "training-mode forward, autograd recording (parameters require grad)",
    "train-forward-backward": "training-mode forward, then the gradients of every input",
    "eval-forward": "eval-mode forward under torch.no_grad()",
    "backward": "the backward pass alone, from saved statistics (torch) or the input (ours)",
    "call": "one call of a plain function (no autograd)",
}

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
            target, a duplicated row or a thread count that was not measured).
    """
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"benchmark data must be a dict with schema {SCHEMA}")
    _require(data, {"machine": dict, "threads": list, "page_threads": int, "results": list}, "data")
    _require(data["machine"], _MACHINE_KEYS, "machine")
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
    return data


def load(path: Path = RESULTS) -> dict[str, Any]:
    """Read and validate a results file."""
    return validate(json.loads(path.read_text(encoding="utf-8")))


def save(data: dict[str, Any], path: Path = RESULTS) -> None:
    """Validate, then write ``data`` (stable key order, one row per line is not needed)."""
    text = json.dumps(validate(data), indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
