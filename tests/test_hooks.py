"""Unit tests of the small text transforms in hooks/site.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("site_hook_under_test", ROOT / "hooks" / "site.py")
site_hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(site_hook)


def test_cjk_soft_breaks_are_removed_outside_code() -> None:
    text = "第一行\n第二行，\n    续行\n\nEnglish\nline 中文\n\n```python\nx = '甲'\n# 乙\n```\n"
    out = site_hook.join_cjk_lines(text)
    assert out.startswith("第一行第二行，续行\n\n")
    assert "English\nline 中文" in out  # only CJK-CJK breaks are joined
    assert "```python\nx = '甲'\n# 乙\n```" in out  # code untouched


def test_chinese_pages_only() -> None:
    page = SimpleNamespace(file=SimpleNamespace(locale="en"))
    assert site_hook.on_page_markdown("中\n文", page, None, None) == "中\n文"
    page.file.locale = "zh"
    assert site_hook.on_page_markdown("中\n文", page, None, None) == "中文"


def test_site_absolute_links_become_relative() -> None:
    config = SimpleNamespace(site_url="https://example.org/dlnotes/")
    page = SimpleNamespace(url="zh/batch-norm/")
    html = '<a href="/dlnotes/">en</a> <a href="/dlnotes/zh/">zh</a> <a href="/other/">x</a>'
    out = site_hook.relative_site_links(html, page, config)
    assert out == '<a href="../../">en</a> <a href="../">zh</a> <a href="/other/">x</a>'


def test_chinese_search_base_points_inside_zh() -> None:
    page = SimpleNamespace(file=SimpleNamespace(locale="zh"), url="zh/batch-norm/")
    config = SimpleNamespace(site_url="https://example.org/dlnotes/")
    html = '<script id="__config">{"base": "../..", "features": []}</script>'
    assert '"base": "../../zh/"' in site_hook.on_post_page(html, page, config)
