"""Registrations of a new question that nothing else checks (CONTRIBUTING.md, "Add a question").

Each test here was written after leaving the registration out of a dummy question and seeing
every other check pass: a title missing from ``nav_translations`` (the Chinese nav shows the
English title), a question page with no glossary entry, a module or topic experiment without
its test file, a Chinese page showing the English figure, a ``py`` or ``python3`` block (Sybil
runs ```` ```python ```` and ```` ```pycon ```` fences only), and a benchmark cases module whose
``PAGE`` is not a question.
"""

from __future__ import annotations

import ast
import pkgutil
import re

import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES, ROOT, mkdocs_config, question_pages

_shared = load_hook("_shared")
_markdown = load_hook("_markdown")
api = load_hook("api")
glossary = load_hook("glossary")

TRANSLATED = LANGUAGES[1:]


def nav_labels(section: list) -> list[str]:
    """Every title in a nav (sections and pages), in order."""
    found = []
    for item in section:
        if isinstance(item, dict):
            title, value = next(iter(item.items()))
            found.append(title)
            if isinstance(value, list):
                found += nav_labels(value)
    return found


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_nav_title_is_translated(lang: str) -> None:
    """Without its ``nav_translations`` entry a title shows in English on the other site."""
    config = mkdocs_config()
    block = next(x for x in _shared.i18n_languages(config) if x["locale"] == lang)
    translations = block.get("nav_translations") or {}
    missing = [t for t in dict.fromkeys(nav_labels(config["nav"])) if t not in translations]
    assert not missing, f"add to nav_translations of {lang!r} in mkdocs.yml: {missing}"


def test_nav_labels_sees_sections_and_pages() -> None:
    nav = [{"Home": "index.md"}, {"Q": [{"A": "a.md"}, {"B": "b.md"}]}, "c.md"]
    assert nav_labels(nav) == ["Home", "Q", "A", "B"]


@pytest.mark.parametrize("page", question_pages())
def test_every_question_page_has_glossary_entries(page: str) -> None:
    """Its terms feed the glossary table and the Chinese search dictionary."""
    entries = [e["id"] for e in glossary.load_glossary() if e.get("page") == f"{page}.md"]
    assert entries, f"docs/glossary.yml has no entry with page: {page}.md"


def declares(path, name: str) -> bool:
    """The module assigns ``name`` at its top level (read with ast, nothing imported)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


def expected_test_files() -> list[tuple[str, str]]:
    """``(module, test file)``: ``dlnotes.<m>`` -> ``tests/test_<m>.py``; a topic's experiments
    (``dlnotes.experiments.<t>`` declaring ``FIGURES``) -> ``tests/test_<t>_experiments.py``."""
    found = []
    for name, path in api.public_modules():
        parts = name.split(".")
        if len(parts) == 2 and parts[1] != "experiments":
            found.append((name, f"test_{parts[1]}.py"))
        elif len(parts) == 3 and parts[1] == "experiments" and declares(path, "FIGURES"):
            found.append((name, f"test_{parts[2]}_experiments.py"))
    return found


@pytest.mark.parametrize(("module", "test_file"), expected_test_files())
def test_every_module_has_its_test_file(module: str, test_file: str) -> None:
    path = ROOT / "tests" / test_file
    assert path.exists(), f"{module} has no tests: add tests/{test_file}"
    assert re.search(r"^def test_", path.read_text(encoding="utf-8"), re.MULTILINE), path


def test_expected_test_files_cover_modules_and_topic_experiments() -> None:
    modules = dict(expected_test_files())
    assert modules["dlnotes.norm"] == "test_norm.py"
    assert modules["dlnotes.experiments.batch_norm"] == "test_batch_norm_experiments.py"
    assert "dlnotes.experiments.plotting" not in modules  # the kit declares no FIGURES


FIGURE = re.compile(r"assets/figures/([\w-]+)\.([a-z]{2})\.svg")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_show_figures_drawn_in_their_own_language(lang: str) -> None:
    """``x.en.svg`` on a Chinese page passes parity (one figure per language counts as one)."""
    wrong = [
        f"{path.relative_to(DOCS)}: {m[0]}"
        for path in sorted(DOCS.rglob(f"*.{lang}.md"))
        for m in FIGURE.finditer(_markdown.prose(path.read_text(encoding="utf-8")))
        if m[2] != lang
    ]
    assert not wrong, f"figures in another language on {lang} pages: {wrong}"


def test_python_code_is_in_python_fences() -> None:
    """Sybil runs ```` ```python ```` and ```` ```pycon ```` fences (conftest.py): a ``py`` or
    ``python3`` block would never run, and a wrong output in it would pass."""
    unrun = {"py", "python3", "ipython", "doctest"}
    found = [
        f"{path.relative_to(DOCS)}: ```{fence.info}"
        for path in sorted(DOCS.rglob("*.md"))
        for fence in _markdown.fenced_blocks(path.read_text(encoding="utf-8"))
        if fence.info.split()[:1] and fence.info.split()[0] in unrun
    ]
    assert not found, f"use ```python or ```pycon (Sybil runs them): {found}"


def cases_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(ROOT / "benchmarks" / "cases")]))


@pytest.mark.parametrize("name", cases_modules())
def test_benchmark_cases_name_a_module_and_serve_a_question(name: str) -> None:
    """Caught before ``make bench``: the page would otherwise fail only after a measurement.

    ``PAGE`` is read with ast: importing ``benchmarks`` in a test session can find
    ``hooks/benchmarks.py`` once MkDocs has loaded the hooks under their file names.
    """
    path = ROOT / "benchmarks" / "cases" / f"{name}.py"
    assert (ROOT / "src" / "dlnotes" / f"{name}.py").exists() or (
        ROOT / "src" / "dlnotes" / name / "__init__.py"
    ).exists(), f"benchmarks/cases/{name}.py is named after no dlnotes module"
    page = api.module_string(path, "PAGE")
    assert page in question_pages(), (
        f"benchmarks/cases/{name}.py: PAGE = {page!r} is not a page of the nav's "
        f"Questions section {question_pages()}"
    )
