"""MkDocs hook: the Performance page's tables, rendered from ``benchmarks/results.json``.

``make bench`` times every ``dlnotes`` operation against torch and writes the data file; this
hook replaces ``<!-- benchmarks-table -->`` on a page with the machine(s) the numbers come from
and, per question (in the order of docs/questions.yml, headed by the question's title in the
page's language), the operations compared and one Markdown table per thread count. No number on
the page is typed by hand. A missing or malformed data file, a row naming no question, or a mode
without a label in one of the site's languages fails the build. ``mkdocs serve`` watches the
file.
"""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType
from typing import Any

from _language import page_language
from _questions import by_slug, slugs
from _shared import ROOT, languages
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MARKER = "<!-- benchmarks-table -->"


def _load_results_module() -> ModuleType:
    """``benchmarks/results.py`` (format and validation, no torch), loaded by path."""
    spec = importlib.util.spec_from_file_location(
        "dlnotes_benchmark_results", ROOT / "benchmarks" / "results.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


results = _load_results_module()

# The page's sentences in each language. Mode labels live with the modes, in
# benchmarks/results.py (MODES), so a new mode is declared in one place.
# Chinese text puts half-width brackets around numbers and code: "0.85 (0.02)", not "0.85（0.02）".
TEXT = {
    "en": {
        "machine": (
            "Measured on {cpu} ({logical_cpus} logical CPUs, {cpu_capability}), {platform}, "
            "Python {python}, torch {torch}, on {date}; load average when the run started: "
            "{load}."
        ),
        "runs": (
            "The rows come from {count} runs (`python -m benchmarks --only` re-measures some "
            "cases and keeps the rest). A ratio is always measured within one run; compare "
            "milliseconds only within a run."
        ),
        "run": "Run {number}: {machine}",
        "group_runs": "Measured in run {numbers}.",
        "times": "Times are medians per call in milliseconds, interquartile range in parentheses.",
        "caption": "**{threads} thread{plural}** (`torch.set_num_threads({threads})`){main}",
        "main": ": the reference for the targets",
        "compared": "Each operation and its torch counterpart, with the input both are given:",
        "pair": "`{ours}` against `{torch}`, on {size}",
        "head": "| Operation | Timed | ours, ms | torch, ms | ours / torch | Target |",
        "time": "{median} ({iqr})",
        "met": "met ✓ (≤\u00a0{target}×)",
        "missed": "missed ✗ (≤\u00a0{target}×)",
    },
    "zh": {
        "machine": (
            "测量环境：{cpu}，{logical_cpus} 个逻辑 CPU，{cpu_capability}，{platform}，"
            "Python {python}，torch {torch}，时间 {date}；开始时的系统平均负载：{load}。"
        ),
        "runs": (
            "下面的数据来自 {count} 次运行（`python -m benchmarks --only` 只重测部分用例，"
            "其余保留）。每个比值都在同一次运行中测得；毫秒数只在同一次运行内可比。"
        ),
        "run": "第 {number} 次运行：{machine}",
        "group_runs": "测于第 {numbers} 次运行。",
        "times": "耗时为单次调用的中位数，单位毫秒，括号内为四分位距。",
        "caption": "**{threads} 个线程** (`torch.set_num_threads({threads})`){main}",
        "main": "：目标以此为准",
        "compared": "各运算与对应的 torch 运算，以及两者使用的输入：",
        "pair": "`{ours}` 对比 `{torch}`，输入 {size}",
        "head": "| 运算 | 计时内容 | 我们，毫秒 | torch，毫秒 | 我们 / torch | 目标 |",
        "time": "{median} ({iqr})",
        "met": "达成 ✓ (≤\u00a0{target}×)",
        "missed": "未达成 ✗ (≤\u00a0{target}×)",
    },
}


def _ms(microseconds: float) -> str:
    """Milliseconds with three significant digits, at most two decimals: 123, 12.3, 1.23, 0.12."""
    ms = microseconds / 1e3
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def _short(name: str) -> str:
    """``dlnotes.<module>.`` (any module path) dropped: ``dlnotes.conv.Conv2d`` -> ``Conv2d``."""
    return re.sub(r"^dlnotes\.(?:[a-z_][a-z0-9_]*\.)*", "", name)


def _machine(run: dict[str, Any], lang: str) -> str:
    load = " / ".join(f"{x:.1f}" for x in run["load_average"])
    return TEXT[lang]["machine"].format(**{**run, "load": load})


def machine_text(data: dict[str, Any], lang: str) -> str:
    """Where and when the numbers were measured: one sentence, or one line per run."""
    runs = data["runs"]
    if len(runs) == 1:
        return _machine(runs[0], lang)
    items = [
        "- " + TEXT[lang]["run"].format(number=i + 1, machine=_machine(run, lang))
        for i, run in enumerate(runs)
    ]
    return "\n".join([TEXT[lang]["runs"].format(count=len(runs)), "", *items])


def compared(rows: list[dict[str, Any]], lang: str) -> str:
    """A list of the operations compared: ours, torch's counterpart, the input (once per op)."""
    pairs = {row["op"]: row for row in rows}  # one entry per operation, in order
    items = [
        "- " + TEXT[lang]["pair"].format(ours=_short(r["ours"]), torch=r["torch"], size=r["size"])
        for r in pairs.values()
    ]
    return "\n".join([TEXT[lang]["compared"], "", *items])


def results_table(rows: list[dict[str, Any]], threads: int, lang: str) -> str:
    """One Markdown table: the given rows measured at ``threads`` threads."""
    text = TEXT[lang]
    lines = [text["head"], "|---|---|--:|--:|--:|---|"]
    for row in rows:
        if row["threads"] != threads:
            continue
        ours, theirs = row["ours_time"], row["torch_time"]
        target = row["target"]
        if target is None:
            verdict = "—"
        else:
            verdict = text["met" if row["met"] else "missed"].format(target=f"{target:g}")
        cells = [
            f"`{_short(row['ours'])}`",
            results.mode_label(row["mode"], lang),
            text["time"].format(median=_ms(ours["median_us"]), iqr=_ms(ours["iqr_us"])),
            text["time"].format(median=_ms(theirs["median_us"]), iqr=_ms(theirs["iqr_us"])),
            f"**{row['ratio']:.2f}×**",
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def question_order() -> list[str]:
    """Question slugs (``batch-norm``) in the registry's order (docs/questions.yml)."""
    return slugs()


def groups(data: dict[str, Any], order: list[str] | None = None) -> dict[str, list[dict]]:
    """The rows by question, in the registry's order (or ``order``).

    Raises:
        ValueError: if a row names a page that is not in that order (no question).
    """
    order = question_order() if order is None else order
    by_page: dict[str, list[dict]] = {}
    for row in data["results"]:
        if row["page"] not in order:
            raise ValueError(
                f"{row['case']}: page {row['page']!r} is no question of docs/questions.yml "
                "(is its benchmarks/cases module named after one?)"
            )
        by_page.setdefault(row["page"], []).append(row)
    return {page: by_page[page] for page in sorted(by_page, key=order.index)}


def page_title(page: str, lang: str) -> str:
    """The question's title in ``lang``, from docs/questions.yml."""
    question = by_slug().get(page)
    if question is None or lang not in question.title:
        raise ValueError(f"no title for {page!r} in {lang!r} (docs/questions.yml)")
    return question.title[lang]


def render(data: dict[str, Any], lang: str, order: list[str] | None = None) -> str:
    """Machine line(s), then per question: a heading, the operations compared, one table per
    thread count (reference first)."""
    text = TEXT[lang]
    thread_order = [
        data["page_threads"],
        *(t for t in data["threads"] if t != data["page_threads"]),
    ]
    parts = [machine_text(data, lang), text["times"]]
    for page, rows in groups(data, order).items():
        parts.append(f"### [{page_title(page, lang)}]({page}.md) {{ #bench-{page} }}")
        if len(data["runs"]) > 1:
            numbers = ", ".join(str(n + 1) for n in sorted({row["run"] for row in rows}))
            parts.append(text["group_runs"].format(numbers=numbers))
        parts.append(compared(rows, lang))
        for threads in thread_order:
            if not any(row["threads"] == threads for row in rows):
                continue
            caption = text["caption"].format(
                threads=threads,
                plural="" if threads == 1 else "s",
                main=text["main"] if threads == data["page_threads"] else "",
            )
            parts += [caption, results_table(rows, threads, lang)]
    return "\n\n".join(parts)


def check_labels() -> None:
    """Raise ValueError unless every mode has a label in every language of the site."""
    for mode in results.MODES:
        for lang in languages():
            results.mode_label(mode, lang)
    missing = [lang for lang in languages() if lang not in TEXT]
    if missing:
        raise ValueError(f"hooks/performance.py has no sentences (TEXT) for {missing}")


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    try:
        check_labels()  # fail at the start of the build, not halfway through the pages
    except ValueError as error:
        raise PluginError(str(error)) from error
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    lang = page_language(page, config)
    try:
        data = results.load(results.RESULTS)
        table = render(data, lang)
    except (OSError, ValueError) as error:
        raise PluginError(
            f"{page.file.src_path}: cannot render the benchmark tables from {results.RESULTS} "
            f"(run `make bench`): {error}"
        ) from error
    return markdown.replace(MARKER, table)


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    server.watch(str(results.RESULTS))  # a new `make bench` run refreshes the page
    return server
