"""The "All follow-up questions" page lists every follow-up of every question page.

``hooks/followups.py`` collects the ``??? question`` blocks; these tests check the collector on
a small page and the built sheet against the question pages' sources (counted independently
here with a plain search for the admonition line).
"""

from __future__ import annotations

import re
from html import escape as html_escape
from pathlib import Path

import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES, SitePage, question_pages

followups = load_hook("followups")
QUESTION_LINE = re.compile(r'^[ \t]*\?\?\?\+?[ \t]+question[ \t]+"([^"]*)"', re.MULTILINE)

SAMPLE = """# Page

## Mechanism { #mechanism }

```python
# Not a heading { #nope }
```

??? question "Why?"

    Because [a ref](#ref-x) says so.

        indented code stays

## Follow-ups { #follow-ups }

Text.

??? question "And then?"

    Then this.

After the block.
"""


def test_collects_questions_with_their_section() -> None:
    found = followups.follow_ups(SAMPLE, "page.md")
    assert [(f.question, f.section, f.anchor) for f in found] == [
        ("Why?", "Mechanism", "mechanism"),
        ("And then?", "Follow-ups", "follow-ups"),
    ]
    assert found[0].answer == "Because [a ref](page.md#ref-x) says so.\n\n    indented code stays"
    assert found[1].answer == "Then this."  # the text after the block is not part of it


def test_sheet_links_back_to_each_section(tmp_path: Path) -> None:
    config = {
        "nav": [{"Questions": [{"Q": "q.md"}, {"Empty": "e.md"}]}],
        "plugins": [{"i18n": {"languages": [{"locale": "en", "default": True}]}}],
    }
    (tmp_path / "q.en.md").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "e.en.md").write_text("# Empty\n", encoding="utf-8")
    sheet = followups.drill_markdown("en", "en", tmp_path, config)
    assert sheet.index("## Q { #q }") < sheet.index('??? question "Why?"')
    assert "[Back to “Mechanism”](q.md#mechanism)" in sheet
    assert "[Back to “Follow-ups”](q.md#follow-ups)" in sheet
    assert "## Empty { #e }\n\nNo follow-up questions" in sheet


@pytest.mark.parametrize("lang", LANGUAGES)
def test_built_sheet_lists_every_follow_up(site_dir: Path, lang: str) -> None:
    html = SitePage("followups", lang).html_file(site_dir).read_text(encoding="utf-8")
    expected = []
    for name in question_pages():
        source = (DOCS / f"{name}.{lang}.md").read_text(encoding="utf-8")
        expected += [(name, q) for q in QUESTION_LINE.findall(source)]
    assert expected, "no follow-up questions found on the question pages"
    summaries = re.findall(r'<details class="question">\s*<summary>(.*?)</summary>', html)
    assert len(summaries) == len(expected), f"{len(summaries)} listed, {len(expected)} on pages"
    position = 0
    for name, question in expected:  # in nav order, each with a link back to its page
        # the title as the page renders it: HTML-escaped, inline code as <code>
        title = re.sub(r"`([^`]+)`", r"<code>\1</code>", html_escape(question, quote=False))
        position = html.find(f"<summary>{title}</summary>", position)
        assert position >= 0, f"{name}: {question!r} missing or out of order"
        assert f'href="../{name}/#' in html[position:]
