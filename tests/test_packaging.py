"""The package as pip sees it: metadata, one version, the sdist's contents, the extras' error.

The sdist is built here from a copy of the working tree with the pinned setuptools (no build
isolation, nothing downloaded), so a test file, a data file or a MANIFEST.in change that would
ship a broken sdist fails this test rather than a user's ``pip install``.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
from email.parser import Parser

import pytest
from dlerrors import raises_naming
from dlpages import ROOT, mkdocs_config

import dlnotes

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# What is never part of a source tree someone would package.
NOT_SOURCE = {".git", ".venv", ".cache", "site", "test-artifacts", "build", "dist", "figures"}
NOT_SOURCE |= {"__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> tarfile.TarFile:
    """The sdist of a copy of the working tree, built with setuptools' own backend."""
    work = tmp_path_factory.mktemp("sdist")
    tree = work / "tree"

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in NOT_SOURCE or n.endswith(".egg-info")}

    shutil.copytree(ROOT, tree, ignore=ignore)
    build = (
        "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", build, str(work / "dist")],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    name = done.stdout.strip().splitlines()[-1]
    with tarfile.open(work / "dist" / name) as archive:
        yield archive


def members(archive: tarfile.TarFile) -> set[str]:
    """File paths inside the sdist, without its top folder ``dlnotes-<version>/``."""
    return {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()}


def test_sdist_is_the_package_without_the_tests(sdist: tarfile.TarFile) -> None:
    files = members(sdist)
    package = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "src" / "dlnotes").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert package <= files, f"missing from the sdist: {sorted(package - files)}"
    top = {"PKG-INFO", "README.md", "LICENSE", "pyproject.toml", "setup.cfg", "MANIFEST.in"}
    extra = {f for f in files - package - top if ".egg-info/" not in f}
    assert not extra, f"the sdist carries files its tests would need the repo for: {extra}"
    assert not any(f.startswith("tests/") or f.endswith("conftest.py") for f in files)


def test_sdist_metadata(sdist: tarfile.TarFile) -> None:
    top = sdist.getmembers()[0].name.split("/")[0]
    info = Parser().parsestr(sdist.extractfile(f"{top}/PKG-INFO").read().decode())
    assert info["Version"] == dlnotes.__version__
    assert info["License-Expression"] == "MIT"
    assert "Typing :: Typed" in info.get_all("Classifier")
    urls = dict(u.split(", ", 1) for u in info.get_all("Project-URL"))
    assert urls == PYPROJECT["project"]["urls"]
    assert "experiments" in info.get_all("Provides-Extra")


def test_version_is_written_once() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dlnotes.__version__"}
    source = (ROOT / "src" / "dlnotes" / "__init__.py").read_text(encoding="utf-8")
    assert len(re.findall(r"^__version__ = ", source, re.M)) == 1


def test_setuptools_floor_reads_the_license_expression() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"  # PEP 639 expression, not a table
    floor = re.fullmatch(r"setuptools>=(\d+)", PYPROJECT["build-system"]["requires"][0])
    assert floor and int(floor[1]) >= 77
    assert not any(c.startswith("License ::") for c in PYPROJECT["project"]["classifiers"])


def test_project_urls_are_the_sites_addresses() -> None:
    config = mkdocs_config()
    urls = PYPROJECT["project"]["urls"]
    assert urls["Homepage"] == config["site_url"]
    assert urls["Source"] == config["repo_url"]
    assert urls["Documentation"].startswith(config["site_url"])
    assert urls["Issues"] == config["repo_url"] + "/issues"


@pytest.mark.parametrize(
    ("module", "distribution"), [("sklearn", "scikit-learn"), ("matplotlib", "matplotlib")]
)
def test_missing_experiment_extras_name_the_install_command(
    monkeypatch: pytest.MonkeyPatch, module: str, distribution: str
) -> None:
    """As if scikit-learn or matplotlib were not installed: importing the experiments' data
    module fails at once, saying what is missing and the command that installs it."""
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now fails, as when missing
    monkeypatch.delitem(sys.modules, "dlnotes.experiments.data", raising=False)
    # the missing distribution, and the commands that install it (a command, not prose)
    command = f"pip install {distribution}"
    with raises_naming(ModuleNotFoundError, command, "dlnotes-interview") as error:
        importlib.import_module("dlnotes.experiments.data")
    assert error.value.name == module
