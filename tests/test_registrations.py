"""Registrations of a new question that nothing else checks (CONTRIBUTING.md, "Add a question").

Each test here was written after leaving the registration out of a dummy question and seeing
every other check pass: a title missing from ``nav_translations`` (the Chinese nav shows the
English title), a question page with no glossary entry, a module or topic experiment without
its test file, a Chinese page showing the English figure, a ``py`` or ``python3`` block (Sybil
runs ```` ```python ```` and ```` ```pycon ```` fences only), and a question without benchmark
cases. The registry of questions, docs/questions.yml, is checked here against everything else
that lists the questions: the nav and its translations, the experiments modules, the benchmark
cases; and no file may state how many questions there are.
"""

from __future__ import annotations

import ast
import pkgutil
import re

import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES, ROOT, mkdocs_config, question_pages

_shared = load_hook("_shared")
QUESTIONS = load_hook("_questions").questions()
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


def test_every_question_has_benchmark_cases_and_every_cases_module_a_question() -> None:
    """``benchmarks/cases/<topic>.py`` serves the question it is named after (the harness
    derives the page from the name); caught before ``make bench``, whose page would otherwise
    fail only after a measurement. Read from the file names: importing ``benchmarks`` in a test
    session can find ``hooks/benchmarks.py`` once MkDocs has loaded the hooks by file name."""
    topics = [q.topic for q in QUESTIONS]
    assert sorted(topics) == cases_modules(), (
        "benchmarks/cases/ must hold one <slug with _>.py per question of docs/questions.yml: "
        f"missing {sorted(set(topics) - set(cases_modules()))}, "
        f"no such question {sorted(set(cases_modules()) - set(topics))}"
    )


# --------------------------------------------------------------------------------------------
# The registry of questions (docs/questions.yml) against everything that lists the questions
# --------------------------------------------------------------------------------------------


def test_every_question_is_titled_in_every_language_and_names_a_dlnotes_module() -> None:
    for q in QUESTIONS:
        assert set(q.title) == set(LANGUAGES), f"{q.slug}: title needs {LANGUAGES}, has {q.title}"
        package = ROOT / "src" / "dlnotes"
        assert (package / f"{q.module}.py").exists() or (
            package / q.module / "__init__.py"
        ).exists(), f"{q.slug}: module {q.module!r} is no dlnotes module"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_question_has_its_page_and_notebook(lang: str) -> None:
    """``docs/<slug>.<lang>.md`` and ``docs/notebooks/<slug>.<lang>.py`` per question."""
    missing = [
        path
        for q in QUESTIONS
        for path in (f"{q.slug}.{lang}.md", f"notebooks/{q.slug}.{lang}.py")
        if not (DOCS / path).exists()
    ]
    assert not missing, f"questions of docs/questions.yml without their files: {missing}"


def test_every_question_has_its_experiments_module() -> None:
    """``dlnotes.experiments.<topic>`` (the slug with ``_``) declares the question's FIGURES,
    and every module declaring FIGURES belongs to a question."""
    experiments = ROOT / "src" / "dlnotes" / "experiments"
    declared = sorted(p.stem for p in experiments.glob("*.py") if declares(p, "FIGURES"))
    assert declared == sorted(q.topic for q in QUESTIONS), (
        "src/dlnotes/experiments/<slug with _>.py, declaring FIGURES, for every question of "
        f"docs/questions.yml and nothing else: found {declared}"
    )


@pytest.mark.parametrize(("section", "folder"), [("Questions", ""), ("Notebooks", "notebooks/")])
def test_nav_sections_list_the_registry_questions_in_order(section: str, folder: str) -> None:
    """The nav of mkdocs.yml (MkDocs needs it written out) says what docs/questions.yml says:
    the same pages (``<slug>.md``, ``notebooks/<slug>.<ext>``), in the same order, under the
    same English titles."""
    nav = next(
        value
        for item in mkdocs_config()["nav"]
        for title, value in item.items()
        if title == section
    )
    listed = [(title, src.rsplit(".", 1)[0]) for title, src in (next(iter(x.items())) for x in nav)]
    expected = [(q.title[LANGUAGES[0]], f"{folder}{q.slug}") for q in QUESTIONS]
    assert listed == expected, f"mkdocs.yml nav → {section} must be, in order: {expected}"
    if not folder:
        assert all(next(iter(x.values())).endswith(".md") for x in nav)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_nav_translations_give_the_registry_titles(lang: str) -> None:
    block = next(x for x in _shared.i18n_languages(mkdocs_config()) if x["locale"] == lang)
    translations = block.get("nav_translations") or {}
    wrong = {
        q.title[LANGUAGES[0]]: translations.get(q.title[LANGUAGES[0]])
        for q in QUESTIONS
        if translations.get(q.title[LANGUAGES[0]]) != q.title[lang]
    }
    assert not wrong, (
        f"nav_translations of {lang!r} in mkdocs.yml differ from docs/questions.yml: {wrong}"
    )


# A count of the questions, written out: "five questions", "五道面试题", "五个 30 秒回答".
# Nothing may state how many questions there are: the registry decides, and a new question
# would leave every such sentence wrong.
NUMBER_WORDS = {
    "en": [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ],
    "zh": ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"],
}
COUNTED = {
    "en": r"(?:classic |deep-learning |interview |question |30-second |\w+ )*"
    r"(?:questions|pages|answers|interview questions)",
    "zh": r"(?:道|个|篇)\s*(?:经典)?(?:深度学习)?(?:面试题|题|页面|问题|30 秒)",
}


def stated_counts(text: str) -> list[str]:
    """Where ``text`` says "<a number> questions" (or pages, or 30-second answers), in English
    or Chinese: any number, so that a count left over from an earlier set of questions is
    found too."""
    en = "|".join(NUMBER_WORDS["en"][2:])
    zh = "|".join(sorted(NUMBER_WORDS["zh"][2:], key=len, reverse=True))
    found = re.findall(rf"\b(?:{en}|\d+)\s+{COUNTED['en']}", text, re.IGNORECASE)
    found += re.findall(rf"(?:{zh}|\d+)\s*{COUNTED['zh']}", text)
    return found


def test_stated_counts_finds_counts_in_both_languages() -> None:
    assert stated_counts("The five questions; Five classic deep-learning interview questions")
    assert stated_counts("the six questions") == ["six questions"]
    assert len(stated_counts("五道经典深度学习面试题；五个 30 秒回答；这五道题")) == 3
    assert not stated_counts("five seeds, five small CNNs, the questions, question 21")


COUNTED_FILES = ["mkdocs.yml", "pyproject.toml", "README.md", "CONTRIBUTING.md"]


@pytest.mark.parametrize(
    "path",
    [*COUNTED_FILES, *(p.relative_to(ROOT).as_posix() for p in sorted(DOCS.glob("*.md")))],
)
def test_no_file_states_how_many_questions_there_are(path: str) -> None:
    found = stated_counts((ROOT / path).read_text(encoding="utf-8"))
    assert not found, f"{path} states the number of questions by hand: {found}"
