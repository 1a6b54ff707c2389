"""The Performance page is rendered from the benchmark data file, in both languages.

Nothing here times anything (that is ``make bench``'s job, and timings are too noisy to assert):
the tests check that ``benchmarks/results.json`` follows its format and covers every case the
harness registers, that a partial run (``--only``) is merged into the file by case name, and
that ``hooks/performance.py`` turns the file into the page's tables, grouped by question, in
every language of the site.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import markdown
import pytest
from dlerrors import raises_naming
from dlhooks import load_hook
from dlpages import LANGUAGES, ROOT, question_pages

hook = load_hook("performance")
results = hook.results

DATA = results.load()


def one_run_sample(data: dict[str, Any]) -> dict[str, Any]:
    """The batch-norm rows of one run of the data file, as a data set of one run.

    The merge and grouping tests start from it, so they hold whatever other questions and runs
    the file has gained (``make bench ONLY=<slug>`` adds both).
    """
    run = next(row["run"] for row in data["results"] if row["page"] == "batch-norm")
    rows = [r for r in data["results"] if r["page"] == "batch-norm" and r["run"] == run]
    return {**data, "runs": [data["runs"][run]], "results": [{**r, "run": 0} for r in rows]}


SAMPLE = one_run_sample(DATA)
LANGS = LANGUAGES


def harness():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import harness

    return harness


def render_page(lang: str) -> str:
    """The page's Markdown after the hook, as MkDocs would pass it on."""
    source = (ROOT / "docs" / f"performance.{lang}.md").read_text(encoding="utf-8")
    url = "performance/" if lang == "en" else f"{lang}/performance/"
    page = SimpleNamespace(url=url, file=SimpleNamespace(src_path=f"performance.{lang}.md"))
    return hook.on_page_markdown(source, page=page, config=None, files=None)


def mutated(change, data: dict[str, Any] = DATA) -> dict[str, Any]:
    data = copy.deepcopy(data)
    change(data)
    return data


def run_of(rows: list[dict[str, Any]], machine: dict[str, Any]) -> dict[str, Any]:
    """A run's data, as the harness builds it: one machine, the given rows."""
    threads = sorted({row["threads"] for row in rows})
    return {
        "schema": results.SCHEMA,
        "runs": [machine],
        "threads": threads,
        "page_threads": threads[0],
        "results": [{**row, "run": 0} for row in rows],
    }


def rescaled(row: dict[str, Any], factor: float) -> dict[str, Any]:
    """``row`` as a later run might measure it: our median scaled by ``factor``."""
    row = copy.deepcopy(row)
    row["ours_time"]["median_us"] *= factor
    row["ratio"] = row["ours_time"]["median_us"] / row["torch_time"]["median_us"]
    if row["target"] is not None:
        row["met"] = row["ratio"] <= row["target"]
    return row


LATER = {**DATA["runs"][0], "cpu": "Later CPU", "date": "2031-01-01 00:00 UTC"}


def with_conv_group(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` plus a second question: two conv rows on the conv-pool page, from a later run."""
    conv = [
        {
            **rescaled(row, 1.25),
            "case": f"conv2d/{row['mode']}",
            "op": "conv2d",
            "page": "conv-pool",
            "ours": "dlnotes.conv.conv2d",
            "torch": "F.conv2d",
        }
        for row in data["results"]
        if row["case"] == "batch_norm/train-forward"
    ]
    return results.merge(data, run_of(conv, LATER))


# ------------------------------------------------------------------------------ data file


def test_data_file_has_every_case_at_every_thread_count() -> None:
    cases = {case.name: case for case in harness().discover()}
    for threads in DATA["threads"]:
        measured = {row["case"] for row in DATA["results"] if row["threads"] == threads}
        assert measured == cases.keys(), f"run `make bench`: {threads} thread(s) differ from cases"
    for row in DATA["results"]:
        assert row["page"] == cases[row["case"]].page, f"{row['case']}: re-run it with --only"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["results"][0].update(ratio=d["results"][0]["ratio"] * 1.5),
        lambda d: d["results"][0].update(target=1.0, met=d["results"][0]["ratio"] > 1.0),
        lambda d: d["results"][0].update(mode="sideways"),
        lambda d: d["results"][0]["ours_time"].pop("iqr_us"),
        lambda d: d["results"].append(copy.deepcopy(d["results"][0])),
        lambda d: d["runs"][0].pop("torch"),
        lambda d: d["results"][0].update(run=len(d["runs"])),
        lambda d: d["runs"].append(copy.deepcopy(d["runs"][0])),
        lambda d: d["results"][0].pop("page"),
        lambda d: d.update(page_threads=64),
        lambda d: d.update(schema=1),
    ],
    ids=[
        "ratio",
        "met",
        "mode",
        "iqr",
        "duplicate",
        "machine",
        "run-index",
        "unused-run",
        "page",
        "page-threads",
        "schema",
    ],
)
def test_validation_rejects_inconsistent_data(change) -> None:
    with pytest.raises(ValueError):
        results.validate(mutated(change))


# ------------------------------------------------------------------------------ merging runs


def test_merge_replaces_the_measured_cases_and_keeps_the_rest_with_their_machine() -> None:
    remeasured = [
        rescaled(r, 0.5) for r in SAMPLE["results"] if r["case"].startswith("layer_norm/")
    ]
    merged = results.merge(SAMPLE, run_of(remeasured, LATER))

    assert merged["runs"] == [SAMPLE["runs"][0], LATER]
    assert len(merged["results"]) == len(SAMPLE["results"])
    old = {(r["case"], r["threads"]): r for r in SAMPLE["results"]}
    for row in merged["results"]:
        key = (row["case"], row["threads"])
        machine = merged["runs"][row["run"]]
        if row["case"].startswith("layer_norm/"):
            assert machine == LATER
            assert row["ratio"] == pytest.approx(old[key]["ratio"] * 0.5)
        else:
            assert row == old[key]  # untouched, still pointing at the first run
            assert machine == SAMPLE["runs"][0]
    # Merging the same cases again drops the run nobody uses any more.
    again = results.merge(merged, run_of(remeasured, {**LATER, "date": "2032-01-01 00:00 UTC"}))
    assert [run["date"] for run in again["runs"]] == [
        SAMPLE["runs"][0]["date"],
        "2032-01-01 00:00 UTC",
    ]


def test_merge_of_a_case_measured_at_one_thread_count_drops_its_stale_rows() -> None:
    one = [
        rescaled(r, 2.0)
        for r in DATA["results"]
        if r["case"] == "batch_norm/call"
        or (r["case"] == "fold_batch_norm/call" and r["threads"] == 1)
    ]
    merged = results.merge(DATA, run_of(one, LATER))
    fold = [r for r in merged["results"] if r["case"] == "fold_batch_norm/call"]
    assert [(r["threads"], merged["runs"][r["run"]]["cpu"]) for r in fold] == [(1, "Later CPU")]


def test_merge_adds_new_cases_and_can_drop_removed_ones() -> None:
    merged = with_conv_group(DATA)
    assert [r["case"] for r in merged["results"][-len(DATA["threads"]) :]] == [
        "conv2d/train-forward"
    ] * len(DATA["threads"])
    keep = {r["case"] for r in DATA["results"]} - {"fold_batch_norm/call"} | {
        "conv2d/train-forward"
    }
    pruned = results.merge(merged, run_of([merged["results"][-1]], LATER), keep=keep)
    assert "fold_batch_norm/call" not in {r["case"] for r in pruned["results"]}
    assert results.merge(None, DATA) is DATA


def test_only_run_is_merged_into_the_data_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``python -m benchmarks --only fold`` saves: the fold rows are new, the rest is kept."""
    h = harness()
    real_file = results.RESULTS
    real = real_file.read_bytes()
    path = tmp_path / "results.json"
    path.write_text(json.dumps(SAMPLE), encoding="utf-8")
    old = {(r["case"], r["threads"]): r for r in SAMPLE["results"]}
    monkeypatch.setattr(results, "RESULTS", path)
    monkeypatch.setattr(h.results, "RESULTS", path)
    monkeypatch.setattr(h, "check", lambda case: None)
    monkeypatch.setattr(h, "machine_info", lambda: LATER)
    monkeypatch.setattr(
        h,
        "measure",
        lambda case, threads, rounds, min_run_time: {
            **rescaled(old[(case.name, threads)], 3.0),
            "run": 0,
        },
    )
    assert h.main(["--only", "fold_batch_norm", "--threads", "1", "2"]) == 0
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["runs"] == [SAMPLE["runs"][0], LATER]
    for row in saved["results"]:
        before = old[(row["case"], row["threads"])]
        if row["case"] == "fold_batch_norm/call":
            assert row["ratio"] == pytest.approx(3.0 * before["ratio"])
            assert saved["runs"][row["run"]] == LATER
        else:
            assert row == before
    assert len(saved["results"]) == len(SAMPLE["results"])
    assert real_file.read_bytes() == real  # the test wrote only its own copy


def test_cases_are_declared_as_data() -> None:
    h = harness()
    import benchmarks.cases.batch_norm as batch_norm_cases

    op = batch_norm_cases.OPS[0]
    cases = op.cases("batch-norm", "batch_norm")
    assert [c.name for c in cases] == [f"{op.op}/{mode}" for mode in op.modes]
    assert [c.target for c in cases] == list(op.modes.values())
    assert {c.page for c in cases} == {"batch-norm"}
    every = h.discover()
    # a cases module serves the question it is named after
    assert {(c.module, c.page) for c in every} == {
        (slug.replace("-", "_"), slug) for slug in question_pages()
    }
    # a question's slug (or its cases module's name) picks all its cases
    norm = [c for c in every if c.page == "batch-norm"]
    assert h.selected(every, "batch-norm") == h.selected(every, "batch_norm") == norm
    assert {c.page for c in h.selected(every, "conv-pool")} == {"conv-pool"}
    assert [c.name for c in h.selected(every, "fold")] == ["fold_batch_norm/call"]


def test_timed_wraps_a_call_for_its_mode() -> None:
    import torch

    h = harness()
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert not h.timed("eval-forward", lambda: x * 3)().requires_grad
    assert h.timed("train-forward", lambda: x * 3)().requires_grad
    (grad,) = h.timed("train-forward-backward", lambda: x * 3, [x], torch.ones(2))()
    assert grad.tolist() == [3.0, 3.0] and x.grad is None
    with raises_naming(ValueError, "wrt"):
        h.timed("train-forward-backward", lambda: x * 3)


# ------------------------------------------------------------------------------ the page


@pytest.mark.parametrize("lang", LANGS)
def test_page_tables_come_from_the_data(lang: str) -> None:
    text = render_page(lang)
    assert hook.MARKER not in text
    assert DATA["runs"][0]["cpu"] in text and DATA["runs"][0]["torch"] in text
    html = markdown.markdown(text, extensions=["tables", "attr_list"])
    pages = {row["page"] for row in DATA["results"]}
    assert html.count("<table>") == len(DATA["threads"]) * len(pages)
    body_rows = html.count("<tr>") - html.count("<table>")  # minus one header row per table
    assert body_rows == len(DATA["results"])
    for row in DATA["results"]:
        assert f"<strong>{row['ratio']:.2f}×</strong>" in html
    for mode in {row["mode"] for row in DATA["results"]}:
        assert results.mode_label(mode, lang) in html


def test_both_languages_show_the_same_numbers() -> None:
    numbers = [re.findall(r"\d+\.\d+×", hook.render(DATA, lang)) for lang in LANGS]
    assert numbers[0] == numbers[1] and numbers[0]


@pytest.mark.parametrize("lang", LANGS)
def test_page_sections_follow_the_registry_with_its_titles(lang: str) -> None:
    """Every question measured in the data file has a section, in docs/questions.yml's order,
    headed by the registry's title in the page's language."""
    registry = load_hook("_questions").questions()
    headings = re.findall(r"^### \[(.+?)\]\((.+?)\.md\)", hook.render(DATA, lang), re.M)
    measured = {row["page"] for row in DATA["results"]}
    assert headings == [(q.title[lang], q.slug) for q in registry if q.slug in measured]
    assert {slug for _title, slug in headings} == measured


@pytest.mark.parametrize("lang", LANGS)
def test_rows_are_grouped_by_question_in_registry_order(lang: str) -> None:
    data = with_conv_group(SAMPLE)
    titles = {page: hook.page_title(page, lang) for page in ("batch-norm", "conv-pool")}
    assert titles["batch-norm"] == {"en": "Batch Normalization", "zh": "批量归一化"}[lang]
    for order in (["batch-norm", "conv-pool"], ["conv-pool", "batch-norm"]):
        text = hook.render(data, lang, order=order)
        headings = re.findall(r"^### \[(.+?)\]\((.+?)\.md\) \{ #bench-(.+?) \}$", text, re.M)
        assert headings == [(titles[p], p, p) for p in order]
        sections = dict(zip(order, re.split(r"^### .*$", text, flags=re.M)[1:], strict=True))
        assert "`conv2d`" in sections["conv-pool"]  # dlnotes.conv. dropped
        assert "`conv2d`" not in sections["batch-norm"]
        assert "`batch_norm`" in sections["batch-norm"]
        assert "`batch_norm`" not in sections["conv-pool"]
        # Two runs: both are listed, and each group says which one it comes from.
        assert "Later CPU" in text and SAMPLE["runs"][0]["cpu"] in text
        conv_runs = hook.TEXT[lang]["group_runs"].format(numbers="2")
        assert conv_runs in sections["conv-pool"]
        assert conv_runs not in sections["batch-norm"]


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("dlnotes.norm.batch_norm", "batch_norm"),
        ("dlnotes.conv.Conv2d", "Conv2d"),
        ("dlnotes.optim.SGD.step", "SGD.step"),
        ("dlnotes.fold", "fold"),
        ("F.conv2d", "F.conv2d"),
    ],
)
def test_any_dlnotes_module_prefix_is_shortened(name: str, short: str) -> None:
    assert hook._short(name) == short


def test_every_mode_has_a_label_in_every_site_language() -> None:
    for mode in results.MODES:
        for lang in LANGUAGES:
            assert results.mode_label(mode, lang).strip()
    hook.check_labels()  # what the build checks first (on_config)


def test_a_mode_without_a_translation_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declared without its Chinese label, a mode stops the build at its start, by name."""
    modes = copy.deepcopy(results.MODES)
    modes["step"] = {"about": "one optimizer step", "en": "one step"}
    monkeypatch.setattr(results, "MODES", modes)
    with raises_naming(hook.PluginError, "'step'", "'zh'"):
        hook.on_config(config=None)
    # And a row using a mode whose label is missing fails the page, not with a KeyError.
    modes[DATA["results"][0]["mode"]].pop("zh")
    with raises_naming(hook.PluginError, repr(DATA["results"][0]["mode"]), "'zh'"):
        render_page("zh")
    render_page("en")


def test_chinese_tables_use_half_width_brackets_around_numbers() -> None:
    text = hook.render(with_conv_group(DATA), "zh")
    assert not re.findall(r"（[^）]*\d[^）]*）", text)
    assert re.search(r"\| \d+(\.\d+)? \(\d+(\.\d+)?\) \|", text)


def test_a_row_naming_no_question_fails_the_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "results.json"
    results.save(mutated(lambda d: [r.update(page="no-such-page") for r in d["results"]]), path)
    monkeypatch.setattr(results, "RESULTS", path)
    with raises_naming(hook.PluginError, "no-such-page"):
        render_page("en")


def test_missing_data_file_fails_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(results, "RESULTS", tmp_path / "missing.json")
    with raises_naming(hook.PluginError, "make bench"):
        render_page("en")
