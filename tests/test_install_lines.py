"""Every ``pip install`` a reader is told to run installs this project or a known dependency.

The name ``dlnotes`` on PyPI belongs to an unrelated project, so the distribution is named in
``pyproject.toml`` (``dlnotes-interview``) while the import name stays ``dlnotes``. This test
reads every page, notebook, README, CONTRIBUTING and the package's docstrings, finds each
``pip install`` command and checks each requirement it names:

- the project's own distribution (any extras), from PyPI or from ``git+<repo_url>`` only;
- a local path (``.``, ``".[experiments]"``, ``-e .``, ``-r requirements-dev.txt``);
- a third-party name the project itself depends on (``pyproject.toml``'s dependencies and
  extras, ``requirements-dev.txt``'s pins): torch for the CPU wheel, jupytext for notebooks.

Anything else, the bare ``dlnotes`` included, fails with the file and line.
"""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from dlpages import question_pages
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DISTRIBUTION = canonicalize_name(PYPROJECT["project"]["name"])
REPO_URL = PYPROJECT["project"]["urls"]["Source"]

# pip options that take a value: the value is not a requirement.
VALUE_OPTIONS = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url"}
VALUE_OPTIONS |= {"--extra-index-url", "-f", "--find-links", "--target", "-t", "--prefix"}
COMMAND = re.compile(r"(?:^|[\s`(])(?:%|!)?(?:python3? -m )?pip3? install\s+([^`\n]*)")


def third_party() -> set[str]:
    """Names the project depends on: its runtime and extra dependencies and its dev pins."""
    lines = [*PYPROJECT["project"]["dependencies"]]
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        lines += extra
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    lines += [line for line in dev if line.strip() and not line.startswith(("#", "-"))]
    return {canonicalize_name(Requirement(line).name) for line in lines}


THIRD_PARTY = third_party() - {DISTRIBUTION}


def problems(text: str) -> list[str]:
    """What is wrong with each ``pip install`` in ``text`` (empty when all are fine)."""
    found = []
    for match in COMMAND.finditer(text):
        command = re.split(r"\s#\s|\s#$|`|&&|;|\|", match[1])[0]
        try:
            words = shlex.split(command)
        except ValueError as error:
            found.append(f"{match[0].strip()!r}: cannot parse ({error})")
            continue
        skip = False
        for word in words:
            if skip or word in VALUE_OPTIONS:
                skip = not skip and word in VALUE_OPTIONS
                continue
            if word.startswith("-"):
                continue
            if word.startswith((".", "/", "~")):
                continue  # a local path: a clone, or a wheel built from it
            try:
                requirement = Requirement(word)
            except InvalidRequirement:
                found.append(f"{word!r} is not a requirement (in {match[0].strip()!r})")
                continue
            name = canonicalize_name(requirement.name)
            if name == DISTRIBUTION:
                if requirement.url not in (None, f"git+{REPO_URL}"):
                    found.append(f"{word!r} installs {name} from {requirement.url}")
            elif name not in THIRD_PARTY:
                found.append(f"{word!r} is neither {DISTRIBUTION} nor a dependency of the project")
    return found


def reader_texts() -> list[Path]:
    """Everything a reader is told to run from: pages, notebook sources, README, CONTRIBUTING.

    (The .ipynb downloads are executed from the notebook sources by scripts/compute.py.)
    """
    docs = [p for p in (ROOT / "docs").rglob("*") if p.suffix in {".md", ".py"}]
    return sorted([*docs, ROOT / "README.md", ROOT / "CONTRIBUTING.md"])


def docstrings(path: Path) -> str:
    """The docstrings of a module, its classes and functions, and its ``__doc_zh__``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            texts.append(ast.get_docstring(node) or "")
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__doc_zh__" for t in node.targets
        ):
            texts.append(ast.literal_eval(node.value))
    return "\n".join(texts)


def test_the_distribution_is_not_the_unrelated_pypi_name() -> None:
    assert DISTRIBUTION != "dlnotes"  # someone else's project on PyPI


@pytest.mark.parametrize("path", reader_texts(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_install_line_installs_this_project(path: Path) -> None:
    assert not problems(path.read_text(encoding="utf-8"))


def test_docstrings_install_this_project() -> None:
    found = {
        p.relative_to(ROOT).as_posix(): problems(docstrings(p))
        for p in sorted((ROOT / "src").rglob("*.py"))
    }
    assert not {k: v for k, v in found.items() if v}


@pytest.mark.parametrize(
    "line",
    [
        "pip install dlnotes",
        '`pip install "dlnotes[experiments]" jupytext`',
        "python -m pip install -U dlnotes==0.0.1",
        "%pip install dlnote-interview",
        'pip install "dlnotes-interview @ git+https://github.com/someone-else/dlnotes"',
        "pip install -r requirements-dev.txt dlnotes  # comment",
    ],
)
def test_a_wrong_install_line_is_caught(line: str) -> None:
    assert problems(line)


@pytest.mark.parametrize(
    "line",
    [
        f'pip install "dlnotes-interview[experiments] @ git+{REPO_URL}" jupytext',
        "pip install dlnotes-interview",
        'pip install ".[experiments]"',
        "python -m pip install --quiet -r requirements-dev.txt -e .",
        "pip install torch --index-url https://download.pytorch.org/whl/cpu",
        "`pip install .` (its only runtime dependency is torch)",
    ],
)
def test_a_right_install_line_passes(line: str) -> None:
    assert problems(line) == []


def test_every_reader_text_is_read() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in reader_texts()}
    assert {"README.md", "CONTRIBUTING.md", "docs/index.en.md", "docs/index.zh.md"} <= names
    assert {f"docs/notebooks/batch-norm.{lang}.py" for lang in ("en", "zh")} <= names
    notebook = (ROOT / "docs/notebooks/batch-norm.en.py").read_text(encoding="utf-8")
    assert COMMAND.search(notebook), "the notebook's install line is no longer found"


EXTRA = [
    Requirement(line).name for line in PYPROJECT["project"]["optional-dependencies"]["experiments"]
]

LANGS = ("en", "zh")


def install_texts() -> list[Path]:
    """Where a reader starts: every question page, the home page and every notebook, in every
    language."""
    docs = ROOT / "docs"
    pages = [docs / f"{page}.{lang}.md" for page in ["index", *question_pages()] for lang in LANGS]
    return [*pages, *sorted((docs / "notebooks").glob("*.py"))]


@pytest.mark.parametrize("path", install_texts(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_question_page_the_home_page_and_notebook_says_how_to_install_the_package(
    path: Path,
) -> None:
    """A reader who copies one block into their own environment, or opens a notebook, finds in
    it the one line that installs ``dlnotes`` with the extra the experiments need, and what that
    extra adds (its packages, as ``pyproject.toml`` lists them)."""
    text = path.read_text(encoding="utf-8")
    matches = [m for m in COMMAND.finditer(text) if f"[experiments] @ git+{REPO_URL}" in m[0]]
    assert [m for m in matches if f"{DISTRIBUTION}[experiments]" in m[0]], "no install line"
    # the extra's packages are named in the lines just before the command
    before = [text[max(0, m.start() - 400) : m.start()] for m in matches]
    assert any(all(name in words for name in EXTRA) for words in before), EXTRA


def test_every_install_text_is_checked() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in install_texts()}
    assert {"docs/index.en.md", "docs/index.zh.md", "docs/batch-norm.zh.md"} <= names
    assert {f"docs/notebooks/{q}.{lang}.py" for q in question_pages() for lang in LANGS} <= names
