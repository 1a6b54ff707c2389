"""The cheat sheet against the question pages it summarises.

Each question of the registry (docs/questions.yml) has a section on the cheat sheet and a row in
the home page's table, in the registry's order, in both languages, with a 30-second answer (a
one-line answer on the home page) and a link to the full page. The answers must agree with the
pages in substance: that takes a careful read, but one kind of drift a test can catch is a
number (a year, an error rate, a ratio) that the cheat sheet states and the question page does
not.
"""

from __future__ import annotations

import re

import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES, question_pages

ANSWER = {"en": "**In 30 seconds.**", "zh": "**30 秒回答。**"}
SECTION = re.compile(r"^## .*?\{ #([\w-]+) \}\s*$", re.MULTILINE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MATH = re.compile(r"\$[^$]*\$")


def sections(lang: str) -> dict[str, str]:
    """``question slug -> its section`` of the cheat sheet in ``lang``."""
    text = (DOCS / f"cheatsheet.{lang}.md").read_text(encoding="utf-8")
    parts = SECTION.split(text)[1:]
    return dict(zip(parts[::2], parts[1::2], strict=True))


def numbers_missing(said: str, page: str) -> list[str]:
    """The numbers ``said`` states outside formulas that ``page`` does not."""
    return [n for n in NUMBER.findall(MATH.sub("", said)) if n not in page]


def answer(section: str, lang: str) -> str:
    """The 30-second answer: the paragraph that starts with the label."""
    start = section.index(ANSWER[lang]) + len(ANSWER[lang])
    return section[start:].split("\n\n", 1)[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_question_has_a_section_with_an_answer_and_a_link(lang: str) -> None:
    found = sections(lang)
    assert list(found) == question_pages()
    for slug, section in found.items():
        assert answer(section, lang).strip(), slug
        assert f"]({slug}.md)" in section, f"the {slug} section does not link its page"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("slug", question_pages())
def test_numbers_in_a_30_second_answer_are_on_the_question_page(lang: str, slug: str) -> None:
    """A number the cheat sheet's answer states (outside formulas) appears on the page."""
    said = answer(sections(lang)[slug], lang)
    page = (DOCS / f"{slug}.{lang}.md").read_text(encoding="utf-8")
    missing = numbers_missing(said, page)
    assert not missing, f"cheatsheet.{lang}.md ({slug}) states {missing}, {slug}.{lang}.md does not"


def home_table(lang: str) -> list[tuple[str, str, str]]:
    """``(number, question slug, its one-line answer)`` per row of the home page's table."""
    text = (DOCS / f"index.{lang}.md").read_text(encoding="utf-8")
    row = re.compile(r"^\| (\d+) \| \[[^\]]+\]\(([\w-]+)\.md\) \| (.*) \|$", re.MULTILINE)
    return row.findall(text)


def home_rows(lang: str) -> dict[str, str]:
    """``question slug -> its one-line answer`` in the home page's question table."""
    return {slug: answer for _number, slug, answer in home_table(lang)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_home_table_has_a_row_per_question(lang: str) -> None:
    """One row per question of docs/questions.yml, in its order, with its number."""
    registry = [(str(q.number), q.slug) for q in load_hook("_questions").questions()]
    assert [(number, slug) for number, slug, _answer in home_table(lang)] == registry


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("slug", question_pages())
def test_numbers_in_the_home_table_are_on_the_question_page(lang: str, slug: str) -> None:
    """The home page's one-line answers quote measurements (a shift's effect, a loss at some
    depth): each number they state, outside formulas, appears on the question page."""
    said = home_rows(lang)[slug]
    page = (DOCS / f"{slug}.{lang}.md").read_text(encoding="utf-8")
    missing = numbers_missing(said, page)
    assert not missing, f"index.{lang}.md ({slug}) states {missing}, {slug}.{lang}.md does not"
