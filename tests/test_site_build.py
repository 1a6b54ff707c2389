"""The strict build and what it must produce (the browser tests check it rendered)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dlpages import SitePage, page_names

DOCS = Path(__file__).resolve().parent.parent / "docs"


def page_html(site: Path, name: str, lang: str) -> Path:
    return SitePage(name, lang).html_file(site)


def test_every_page_is_built_in_both_languages(built_site: Path) -> None:
    missing = [
        str(page_html(built_site, name, lang))
        for name in page_names()
        for lang in ("en", "zh")
        if not page_html(built_site, name, lang).exists()
    ]
    assert not missing


def test_chinese_pages_are_chinese(built_site: Path) -> None:
    html = page_html(built_site, "index", "zh").read_text(encoding="utf-8")
    assert '<html lang="zh"' in html
    assert "五道面试题" in html


def test_notebooks_rendered_in_both_languages_with_download(built_site: Path) -> None:
    notebooks = sorted((DOCS / "notebooks").glob("*.en.py"))
    assert notebooks
    for path in notebooks:
        name = path.name.removesuffix(".en.py")
        for lang in ("en", "zh"):
            folder = built_site / ("zh/" if lang == "zh" else "") / "notebooks" / name
            html = (folder / "index.html").read_text(encoding="utf-8")
            assert "jp-Cell" in html, f"{folder} was copied raw, not rendered"
            assert "jp-OutputArea" in html, f"{folder} shows no outputs: was it executed?"
            assert (folder / f"{name}.{lang}.py").exists()
            assert f'href="{name}.{lang}.py" download' in html


def test_no_references_to_other_hosts(built_site: Path) -> None:
    """No CDN, no web fonts: nothing in the HTML or CSS loads from another host."""
    offending = []
    pattern = re.compile(
        r"""(?:src|href)=["'](?:https?:)?//(?!github\.com)[^"']+\.(?:js|css|woff2?|ttf)"""
    )
    for path in built_site.rglob("*.html"):
        offending += [f"{path}: {m}" for m in pattern.findall(path.read_text(encoding="utf-8"))]
    for path in built_site.rglob("*.css"):
        text = path.read_text(encoding="utf-8", errors="replace")
        offending += [f"{path}: {m}" for m in re.findall(r"url\((?:['\"])?https?://[^)]+\)", text)]
    assert not offending, "\n".join(offending[:20])


def test_search_index_split_per_language(built_site: Path) -> None:
    en = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    zh = json.loads((built_site / "zh" / "search" / "search_index.json").read_text("utf-8"))
    assert en["docs"] and zh["docs"]
    assert not any(
        re.search(r"[\u4e00-\u9fff]", d["title"]) for d in en["docs"] if d["location"].endswith("/")
    )
    assert all(not d["location"].startswith("zh/") for d in zh["docs"])
    # Chinese text is segmented with jieba: glossary terms stay whole.
    assert any(
        "\u200b批量归一化\u200b" in d["text"] or "批量归一化" in d["title"] for d in zh["docs"]
    )
    html = page_html(built_site, "batch-norm", "zh").read_text(encoding="utf-8")
    assert '"base": "../../zh/"' in html


def test_katex_is_vendored(built_site: Path) -> None:
    html = page_html(built_site, "index", "en").read_text(encoding="utf-8")
    assert "assets/katex/katex.min.js" in html
    assert (built_site / "assets" / "katex" / "katex.min.js").exists()
    fonts = list((built_site / "assets" / "katex" / "fonts").glob("*.woff2"))
    assert len(fonts) >= 10
