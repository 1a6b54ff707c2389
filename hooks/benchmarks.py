"""MkDocs hook: the Performance page's tables, rendered from ``benchmarks/results.json``.

``make bench`` times every ``dlnotes`` operation against torch and writes the data file; this
hook replaces ``<!-- benchmarks-table -->`` on a page with the machine the numbers come from and
one Markdown table per thread count, in the page's language. No number on the page is typed by
hand. A missing or malformed data file fails the build. ``mkdocs serve`` watches the file.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
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

TEXT = {
    "en": {
        "machine": (
            "Measured on {cpu} ({logical_cpus} logical CPUs, {cpu_capability}), {platform}, "
            "Python {python}, torch {torch}, on {date}; load average when the run started: "
            "{load}."
        ),
        "caption": (
            "**{threads} thread{plural}** (`torch.set_num_threads({threads})`){main}. "
            "Times are medians per call, interquartile range in parentheses."
        ),
        "main": ": the reference for the targets",
        "compared": "Each operation and its torch counterpart, with the input both are given:",
        "pair": "`{ours}` against `{torch}`, on {size}",
        "head": "| Operation | Timed | ours, ms | torch, ms | ours / torch | Target |",
        "time": "{median} ({iqr})",
        "met": "met ✓ (≤\u00a0{target}×)",
        "missed": "missed ✗ (≤\u00a0{target}×)",
        "modes": {
            "train-forward": "training forward",
            "train-forward-backward": "training forward + backward",
            "eval-forward": "eval forward",
            "backward": "backward only",
            "call": "one call",
        },
    },
    "zh": {
        "machine": (
            "测量环境：{cpu}（{logical_cpus} 个逻辑 CPU，{cpu_capability}），{platform}，"
            "Python {python}，torch {torch}，时间 {date}；开始时的系统平均负载：{load}。"
        ),
        "caption": (
            "**{threads} 个线程**（`torch.set_num_threads({threads})`）{main}。"
            "耗时为单次调用的中位数，括号内为四分位距。"
        ),
        "main": "：目标以此为准",
        "compared": "各运算与对应的 torch 运算，以及两者使用的输入：",
        "pair": "`{ours}` 对比 `{torch}`，输入 {size}",
        "head": "| 运算 | 计时内容 | 我们，毫秒 | torch，毫秒 | 我们 / torch | 目标 |",
        "time": "{median}（{iqr}）",
        "met": "达成 ✓（≤\u00a0{target}×）",
        "missed": "未达成 ✗（≤\u00a0{target}×）",
        "modes": {
            "train-forward": "训练前向",
            "train-forward-backward": "训练前向 + 反向",
            "eval-forward": "推理前向",
            "backward": "仅反向",
            "call": "单次调用",
        },
    },
}


def _ms(microseconds: float) -> str:
    """Milliseconds with three significant digits, at most two decimals: 123, 12.3, 1.23, 0.12."""
    ms = microseconds / 1e3
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def _short(name: str) -> str:
    return name.removeprefix("dlnotes.norm.").removeprefix("dlnotes.")


def machine_line(data: dict[str, Any], lang: str) -> str:
    """Where and when the numbers were measured, in one sentence."""
    machine = data["machine"]
    load = " / ".join(f"{x:.1f}" for x in machine["load_average"])
    return TEXT[lang]["machine"].format(**{**machine, "load": load})


def compared(data: dict[str, Any], lang: str) -> str:
    """A list of the operations compared: ours, torch's counterpart, the input (once per op)."""
    pairs = {row["op"]: row for row in data["results"]}  # one entry per operation, in order
    items = [
        "- " + TEXT[lang]["pair"].format(ours=_short(r["ours"]), torch=r["torch"], size=r["size"])
        for r in pairs.values()
    ]
    return "\n".join([TEXT[lang]["compared"], "", *items])


def results_table(data: dict[str, Any], threads: int, lang: str) -> str:
    """One Markdown table: every case measured at ``threads`` threads."""
    text = TEXT[lang]
    rows = [text["head"], "|---|---|--:|--:|--:|---|"]
    for row in data["results"]:
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
            text["modes"][row["mode"]],
            text["time"].format(median=_ms(ours["median_us"]), iqr=_ms(ours["iqr_us"])),
            text["time"].format(median=_ms(theirs["median_us"]), iqr=_ms(theirs["iqr_us"])),
            f"**{row['ratio']:.2f}×**",
            verdict,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def render(data: dict[str, Any], lang: str) -> str:
    """Machine line, operations compared, one captioned table per thread count (reference first)."""
    text = TEXT[lang]
    order = [data["page_threads"], *(t for t in data["threads"] if t != data["page_threads"])]
    parts = [machine_line(data, lang), compared(data, lang)]
    for threads in order:
        caption = text["caption"].format(
            threads=threads,
            plural="" if threads == 1 else "s",
            main=text["main"] if threads == data["page_threads"] else "",
        )
        parts += [caption, results_table(data, threads, lang)]
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    try:
        data = results.load(results.RESULTS)
    except (OSError, ValueError) as error:
        raise PluginError(
            f"{page.file.src_path}: cannot render the benchmark table from {results.RESULTS} "
            f"(run `make bench`): {error}"
        ) from error
    lang = getattr(page.file, "locale", "en")
    return markdown.replace(MARKER, render(data, lang))


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    server.watch(str(results.RESULTS))  # a new `make bench` run refreshes the page
    return server
