"""The Performance page is rendered from the benchmark data file, in both languages.

Nothing here times anything (that is ``make bench``'s job, and timings are too noisy to assert):
the tests check that ``benchmarks/results.json`` follows its format, that it covers every case
the harness registers, and that ``hooks/benchmarks.py`` turns it into the page's tables in
English and Chinese.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import markdown
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("benchmarks_hook", ROOT / "hooks" / "benchmarks.py")
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)

DATA = hook.results.load()
LANGS = ("en", "zh")


def render_page(lang: str) -> str:
    """The page's Markdown after the hook, as MkDocs would pass it on."""
    source = (ROOT / "docs" / f"performance.{lang}.md").read_text(encoding="utf-8")
    page = SimpleNamespace(file=SimpleNamespace(locale=lang, src_path=f"performance.{lang}.md"))
    return hook.on_page_markdown(source, page=page, config=None, files=None)


def test_data_file_has_every_case_at_every_thread_count() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.harness import discover

    names = {case.name for case in discover()}
    for threads in DATA["threads"]:
        measured = {row["case"] for row in DATA["results"] if row["threads"] == threads}
        assert measured == names, f"rerun `make bench`: {threads} thread(s) differ from cases"


def mutated(change) -> dict[str, Any]:
    data = copy.deepcopy(DATA)
    change(data)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["results"][0].update(ratio=d["results"][0]["ratio"] * 1.5),
        lambda d: d["results"][0].update(target=1.0, met=d["results"][0]["ratio"] > 1.0),
        lambda d: d["results"][0].update(mode="sideways"),
        lambda d: d["results"][0]["ours_time"].pop("iqr_us"),
        lambda d: d["results"].append(copy.deepcopy(d["results"][0])),
        lambda d: d["machine"].pop("torch"),
        lambda d: d.update(page_threads=64),
        lambda d: d.update(schema=0),
    ],
    ids=["ratio", "met", "mode", "iqr", "duplicate", "machine", "page-threads", "schema"],
)
def test_validation_rejects_inconsistent_data(change) -> None:
    with pytest.raises(ValueError):
        hook.results.validate(mutated(change))


@pytest.mark.parametrize("lang", LANGS)
def test_page_tables_come_from_the_data(lang: str) -> None:
    text = render_page(lang)
    assert hook.MARKER not in text
    assert DATA["machine"]["cpu"] in text and DATA["machine"]["torch"] in text
    html = markdown.markdown(text, extensions=["tables"])
    assert html.count("<table>") == len(DATA["threads"])
    body_rows = html.count("<tr>") - len(DATA["threads"])  # minus one header row per table
    assert body_rows == len(DATA["results"])
    for row in DATA["results"]:
        assert f"<strong>{row['ratio']:.2f}×</strong>" in html
    for mode in {row["mode"] for row in DATA["results"]}:
        assert hook.TEXT[lang]["modes"][mode] in html


def test_both_languages_show_the_same_numbers() -> None:
    numbers = [re.findall(r"\d+\.\d+×", hook.render(DATA, lang)) for lang in LANGS]
    assert numbers[0] == numbers[1] and numbers[0]


def test_missing_data_file_fails_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(hook.results, "RESULTS", tmp_path / "missing.json")
    with pytest.raises(hook.PluginError, match="make bench"):
        render_page("en")
