"""The torch range pyproject.toml claims is the range that is tested.

``scripts/torch-range.sh VERSION`` runs the package tests and the page snippets on one torch
release; CI's ``torch-range`` job runs it on the floor of ``torch>=X`` and on the newest release,
and CONTRIBUTING.md ("Supported torch versions") records every version tried here. Static checks
only (no torch is installed by this file): the floor, the job's matrix and the table agree.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "torch-range.sh"


def floor() -> Version:
    """X in pyproject.toml's ``torch>=X``: the one lower bound of the one torch requirement."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    (torch,) = [Requirement(d) for d in project["dependencies"] if Requirement(d).name == "torch"]
    (bound,) = list(torch.specifier)
    assert bound.operator == ">=", torch
    return Version(bound.version)


def tried() -> dict[Version, str]:
    """The table of CONTRIBUTING.md's "Supported torch versions": version -> result cell."""
    text = (ROOT / "CONTRIBUTING.md").read_text("utf-8")
    section = text.split("\n## Supported torch versions\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+\.\d+\.\d+) \| (.+?) \|", section, re.M)
    return {Version(version): result for version, result in rows}


def test_ci_runs_the_floor_and_the_newest_release() -> None:
    workflow = yaml.load(
        (ROOT / ".github" / "workflows" / "ci.yml").read_text("utf-8"), Loader=yaml.BaseLoader
    )
    job = workflow["jobs"]["torch-range"]
    oldest, newest = job["strategy"]["matrix"]["torch"]
    assert Version(oldest) == floor() and newest == "latest"
    runs = [step.get("run", "") for step in job["steps"]]
    assert runs == ["", 'scripts/torch-range.sh "$TORCH"']  # the checkout, then the one command
    assert job["steps"][1]["env"]["TORCH"] == "${{ matrix.torch }}"


def test_the_floor_is_the_oldest_version_that_passed() -> None:
    results = tried()
    assert results.get(floor(), "").startswith("passed"), (floor(), results)
    older = {v: r for v, r in results.items() if v < floor()}
    assert older and not any(r.startswith("passed") for r in older.values()), older
    newer = [v for v in results if v > floor()]
    assert newer and all(results[v].startswith("passed") for v in newer), results


def test_the_script_is_one_command_for_ci_and_developers() -> None:
    assert os.access(SCRIPT, os.X_OK)
    text = SCRIPT.read_text("utf-8")
    assert text.startswith("#!/bin/sh\n") and "\nset -eu\n" in text
    assert "download.pytorch.org/whl/cpu" in text  # CPU builds by default
    for name in ("test_norm", "test_conv", "test_resnet", "test_rnn", "test_optim"):
        assert f"tests/{name}.py" in text
    assert re.search(r"pytest .*\$PACKAGE_TESTS src docs$", text, re.M)
