"""The reader's environment: the wheel built from this checkout and a fresh venv outside the
repository with torch only, installed the project's way (``scripts/install-torch.sh``: the CPU
build). Built once per session by the ``reader_venv`` fixture (tests/conftest.py) and shared by
the tests that stand in for a reader: tests/test_wheel_snippets.py (page blocks) and
tests/test_notebooks_fresh.py (notebooks), one ``xdist_group`` (the root conftest.py).

Each consumer installs on top what the reader is told to install: the page's pip line, or the
notebook's first cell.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ReaderVenv:
    work: Path  # a temporary folder outside the repository, holding the wheel and the venv
    wheel: Path  # dlnotes_interview-<version>-py3-none-any.whl, built from this checkout
    python: Path  # the venv's interpreter
    env: dict[str, str]  # this process's environment without the repository's settings

    def pip_install(self, *args: str) -> None:
        """``python -m pip install ARGS`` in the venv, quietly (from the work folder)."""
        pip = [str(self.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        run([*pip, "--no-compile", *args], env=self.env, cwd=self.work)


def run(command: list[str], **kwargs: object) -> None:
    """Run ``command``; fail with the end of its error output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{' '.join(command[:4])} ...\n{result.stderr[-3000:]}"


def make_reader_venv(work: Path) -> ReaderVenv:
    """Build the wheel into ``work`` and make ``work/venv`` with torch only."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DLNOTES_CACHE"}}
    run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(work), "."],
        cwd=ROOT,
        env=env,
    )
    (wheel,) = work.glob("*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], env=env)
    python = venv / "bin" / "python"
    run(["sh", str(ROOT / "scripts" / "install-torch.sh"), str(python)], env=env)
    return ReaderVenv(work=work, wheel=wheel, python=python, env=env)
