"""Unit tests of the reader hooks (their browser checks: tests/browser/test_reader.py)."""

from __future__ import annotations

import doctest
import html
import json
from types import SimpleNamespace

import pytest
from dlhooks import load_hook

pycon_copy = load_hook("pycon_copy")
page_status = load_hook("page_status")
not_found = load_hook("not_found")
alternate_links = load_hook("alternate_links")
theme_i18n = load_hook("theme_i18n")


@pytest.mark.parametrize("module", [pycon_copy, theme_i18n], ids=lambda m: m.__name__)
def test_doctests(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed


SESSION_HTML = (
    '<div class="language-pycon highlight"><pre><span></span><code>'
    '<span class="gp">&gt;&gt;&gt; </span>x = [1, 2]\n'
    '<span class="gp">&gt;&gt;&gt; </span><span class="k">for</span> i '
    '<span class="ow">in</span> x:\n'
    '<span class="gp">... </span>    print(i &lt; 2)\n'
    '<span class="go">True</span>\n<span class="go">False</span>\n'
    "</code></pre></div>"
)


def test_session_blocks_get_code_only_copy_text() -> None:
    out = pycon_copy.add_copy_text(SESSION_HTML)
    copy = html.unescape(out.split('data-copy="', 1)[1].split('"', 1)[0])
    assert copy == "x = [1, 2]\nfor i in x:\n    print(i < 2)"
    assert out.count("data-copy=") == 1
    assert pycon_copy.add_copy_text(out) == out  # idempotent


def test_script_blocks_are_left_alone() -> None:
    script = '<div class="language-python highlight"><pre><code>print(1)\n</code></pre></div>'
    assert pycon_copy.add_copy_text(script) == script


def config(labels: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(extra={"status": labels})


def test_home_table_marks_only_draft_pages() -> None:
    page_status._status_by_url.clear()
    page_status._status_by_url.update({"zh/sgd/": "draft"})
    table = (
        '<table><tr><td><a href="sgd/">SGD</a></td><td><a href="batch-norm/">BN</a></td></table>'
    )
    out = page_status.mark_links(table, "zh/", config({"draft": "编写中"}))
    assert '<a href="sgd/">SGD</a> <span class="dl-status dl-status--draft">编写中</span>' in out
    assert '<a href="batch-norm/">BN</a></td>' in out
    page_status._status_by_url.clear()  # a page that loses the mark loses the chip
    assert page_status.mark_links(table, "zh/", config({"draft": "编写中"})) == table


def block(lang: str, page: str) -> str:
    return f'<script type="application/json" data-dl-404="{lang}">{json.dumps(page)}</script>'


@pytest.mark.parametrize("order", [("en", "zh"), ("zh", "en")])
def test_not_found_keeps_every_language(order: tuple[str, str]) -> None:
    """Each rendering of 404.html (one per language build, MkDocs' on_post_template) is
    written with the blocks of every language seen so far, whatever the order of the builds."""
    blocks: dict[str, str] = {}
    page = {lang: f"<head>{block(lang, lang.upper())}<script>x</script></head>" for lang in order}
    first = not_found.keep_and_merge(page[order[0]], blocks)
    assert first == page[order[0]]
    last = not_found.keep_and_merge(page[order[1]], blocks)
    assert last == f"<head>{block('en', 'EN')}\n{block('zh', 'ZH')}<script>x</script></head>"


def test_not_found_hook_reads_404_only() -> None:
    other = f"<head>{block('en', 'EN')}</head>"
    assert not_found.on_post_template(other, "sitemap.xml", None) == other


def test_hreflang_links_leave_the_head_only() -> None:
    page = (
        '<head>\n  <link rel="alternate" href="../zh/x/" hreflang="zh">\n'
        '  <link rel="alternate" type="application/rss+xml" href="feed.xml">\n</head>'
        '<body><a href="../zh/x/" hreflang="zh" class="md-select__link">中文</a></body>'
    )
    out = alternate_links.drop_hreflang_links(page)
    assert 'hreflang="zh">\n' not in out.split("</head>")[0]
    assert "application/rss+xml" in out
    assert 'class="md-select__link"' in out


def test_notebook_widget_labels_in_chinese() -> None:
    widget = (
        '<clipboard-copy aria-label="Copy to Clipboard">'
        '<span class="notice" hidden="">Copied!</span>'
    )
    assert theme_i18n.translate_widgets(widget, "en") == widget
    out = theme_i18n.translate_widgets(widget, "zh")
    assert "Copy to Clipboard" not in out and "Copied!" not in out


def test_theme_labels_follow_the_page_url() -> None:
    """The page's language comes from its URL (mkdocs-static-i18n's documented layout)."""
    config = SimpleNamespace(config_file_path=None)
    page = '<h2 id="a">A<a class="headerlink" href="#a" title="Permanent link">&para;</a></h2>'
    # mkdocstrings writes the same link with href first
    page += '<h2 id="b">B<a href="#b" class="headerlink" title="Permanent link">&para;</a></h2>'
    zh = theme_i18n.on_page_content(page, SimpleNamespace(url="zh/sgd/"), config, None)
    assert zh.count('title="本节链接"') == 2 and "Permanent link" not in zh
    en = theme_i18n.on_page_content(page, SimpleNamespace(url="sgd/"), config, None)
    assert en == page
