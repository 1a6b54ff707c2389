"""The strict build and what it must produce (the browser tests check it rendered)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
from dlpages import DOCS, LANGUAGES, SitePage, all_pages

H1_HTML = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL)
HTML_LANG = re.compile(r'<html\b[^>]*\blang="([^"]+)"')


def page_html(site: Path, name: str, lang: str) -> Path:
    return SitePage(name, lang).html_file(site)


def source_title(page: SitePage) -> str:
    """The page's h1 as written in its own source (Markdown, or a notebook's first title)."""
    source = page.source()
    assert source.exists(), f"{page.id}: no source docs/{page.name}.{page.lang}.{{md,py}}"
    pattern = r"^# (.+)$" if source.suffix == ".md" else r"^# # (.+)$"
    found = re.search(pattern, source.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, f"{source} has no title"
    return re.sub(r"\s*\{[^}]*\}\s*$", "", found[1]).strip()


def built_title(html_text: str) -> str:
    found = H1_HTML.search(html_text)
    assert found, "no <h1>"
    text = re.sub(r"<a\b[^>]*>(?:¶|&para;)</a>", "", found[1])  # the permalink
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def markdown_title_text(title: str) -> str:
    """A Markdown title as the reader sees it: no code ticks or emphasis marks (an underscore
    in code, ``dlnotes.experiments.batch_norm``, stays)."""
    parts = re.split(r"(`[^`]*`)", title)
    return "".join(p.strip("`") if p.startswith("`") else re.sub(r"[*_]", "", p) for p in parts)


@pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.id)
def test_every_page_is_built_in_its_language(built_site: Path, page: SitePage) -> None:
    """Each page exists in each language, in that language: ``<html lang>`` and its own title.

    A missing translation is not enough to fail on its own otherwise: the i18n plugin's
    ``fallback_to_default`` builds the English page under ``/zh/`` instead.
    """
    path = page.html_file(built_site)
    assert path.exists(), f"{page.id}: not built ({path})"
    text = path.read_text(encoding="utf-8")
    assert HTML_LANG.search(text)[1] == page.lang
    expected = markdown_title_text(source_title(page))
    assert built_title(text) == expected, f"{page.id}: the h1 is not the page's own title"
    others = [markdown_title_text(source_title(SitePage(page.name, lang))) for lang in LANGUAGES]
    assert others.count(expected) == 1, f"{page.id}: the title is not translated: {others}"


def test_chinese_pages_are_chinese(built_site: Path) -> None:
    html = page_html(built_site, "index", "zh").read_text(encoding="utf-8")
    assert '<html lang="zh"' in html
    assert "深度学习面试笔记" in html  # the home page's title, in Chinese


def test_notebooks_rendered_in_both_languages_with_download(built_site: Path) -> None:
    notebooks = sorted((DOCS / "notebooks").glob("*.en.py"))
    assert notebooks
    for path in notebooks:
        name = path.name.removesuffix(".en.py")
        for lang in LANGUAGES:
            folder = SitePage(f"notebooks/{name}", lang).html_file(built_site).parent
            html = (folder / "index.html").read_text(encoding="utf-8")
            assert "jp-Cell" in html, f"{folder} was copied raw, not rendered"
            assert "jp-OutputArea" in html, f"{folder} shows no outputs: was it executed?"
            assert f'href="{name}.{lang}.ipynb" download' in html
            # the download is the executed notebook, which Jupyter opens without jupytext
            download = json.loads((folder / f"{name}.{lang}.ipynb").read_text(encoding="utf-8"))
            nbformat.validate(download)  # what Jupyter checks when it opens the file
            assert download["nbformat"] == 4
            assert "jupytext" not in download["metadata"], "pairing metadata left in"
            code = [cell for cell in download["cells"] if cell["cell_type"] == "code"]
            # the reader's install cell (the first) is skipped here: its tag tells nbclient to
            install, *code = code
            assert "skip-execution" in install["metadata"]["tags"], f"{name}.{lang}"
            assert code and all(cell["execution_count"] for cell in code), f"{name}.{lang}"
            assert any(cell["outputs"] for cell in code)


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
    # Chinese text is segmented with jieba, the glossary's dictionary words kept whole (jieba
    # alone splits 滑动统计量), a term that holds another split at it (批量归一化 -> 批量 归一化).
    texts = [d["text"] for d in zh["docs"]]
    assert any("\u200b滑动统计量\u200b" in text for text in texts)
    assert any("批量\u200b归一化" in text for text in texts)
    html = page_html(built_site, "batch-norm", "zh").read_text(encoding="utf-8")
    assert '"base": "../../zh/"' in html


def test_katex_is_vendored(built_site: Path) -> None:
    # KaTeX's stylesheet, fonts and copy-tex are served; katex.min.js runs at build time only
    # (hooks/formulas.py; tests/test_math.py checks no page loads it).
    html = page_html(built_site, "index", "en").read_text(encoding="utf-8")
    assert "assets/katex/katex.min.css" in html and "assets/katex/copy-tex.min.js" in html
    assert not (built_site / "assets" / "katex" / "katex.min.js").exists()
    fonts = list((built_site / "assets" / "katex" / "fonts").glob("*.woff2"))
    assert len(fonts) >= 10


def test_search_titles_carry_no_pilcrow(built_site: Path) -> None:
    """nbconvert ends each notebook heading with a "¶" link; a search result's title must not."""
    for index in (
        built_site / "search" / "search_index.json",
        built_site / "zh/search/search_index.json",
    ):
        docs = json.loads(index.read_text(encoding="utf-8"))["docs"]
        marked = [doc["location"] for doc in docs if "¶" in doc["title"]]
        assert not marked, marked[:5]


# Search previews (hooks/search.py): what a result shows is the section's prose. Queries whose
# previews were broken (a code listing, holes where formulas stood), with an entry of the page
# that explains them and a formula that entry must show as text.
PREVIEW_QUERIES = [
    ("en", "bottleneck", "resnet/#bottleneck", "3×3"),
    ("zh", "学习率预热", "sgd/#warmup", "v̂"),
    ("en", "running mean", "batch-norm/#follow-ups", "updates of γ and β"),
    ("zh", "噪声平台", "sgd/#noise-floor", "Σₜηₜ=∞"),
    ("en", "receptive field", "conv-pool/#features", "receptive fields"),
]
# Left behind in a preview: TeX, a code listing, and the holes a dropped formula leaves: empty
# brackets, a space before punctuation ("stride , dilation"), punctuation runs (初值 、：).
PREVIEW_DEFECTS = {
    "TeX": re.compile(r"\\[A-Za-z(\[]"),
    "code listing": re.compile(r"<pre\b"),
    "empty brackets": re.compile(r"(?<![\w.>])[（(]\s*[）)]"),
    "space before punctuation": re.compile(r"\s[，。；：、,;:）]"),
    "punctuation run": re.compile(r"[：，、；]\s*[：，。；、]"),
}


def preview_defects(text: str) -> list[str]:
    """What is wrong with one index entry's text (each text node on its own; \u200b removed)."""
    text = text.replace("\u200b", "")
    found = [name for name in ("TeX", "code listing") if PREVIEW_DEFECTS[name].search(text)]
    for segment in re.split(r"<[^>]+>", text):
        found += [n for n, p in list(PREVIEW_DEFECTS.items())[2:] if p.search(segment)]
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_previews_show_prose_and_formulas_as_text(built_site: Path, lang: str) -> None:
    folder = built_site if lang == LANGUAGES[0] else built_site / lang
    docs = json.loads((folder / "search" / "search_index.json").read_text("utf-8"))["docs"]
    bad = {d["location"]: preview_defects(d["text"]) for d in docs}
    bad = {location: defects for location, defects in bad.items() if defects}
    assert not bad, f"{lang}: {len(bad)} entries, e.g. {list(bad.items())[:5]}"
    texts = {d["location"]: re.sub("[\u200b\u2060]", "", d["text"]) for d in docs}
    for language, query, location, shown in PREVIEW_QUERIES:
        if language == lang:
            assert query in texts[location].lower(), (query, location)
            assert shown in texts[location], (query, location, texts[location][:400])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_index_holds_each_text_once_and_api_summaries(built_site: Path, lang: str) -> None:
    """What keeps the index that every page loads light (tests/test_page_weight.py): the
    follow-up sheet repeats the question pages' follow-ups and is not indexed; an API object
    is indexed by its name and its summary (the first paragraph that is not "Bases: ...")."""
    folder = built_site if lang == LANGUAGES[0] else built_site / lang
    docs = json.loads((folder / "search" / "search_index.json").read_text("utf-8"))["docs"]
    assert not [d for d in docs if d["location"].startswith("followups/")]
    objects = [d for d in docs if "#dlnotes." in d["location"]]
    assert len(objects) > 100
    for doc in objects:
        text = doc["text"].strip()
        assert text.count("<p>") <= 1 and "Bases:" not in text, (doc["location"], text[:200])
    assert any("Bases:" not in d["text"] and "<p>" in d["text"] for d in objects)
