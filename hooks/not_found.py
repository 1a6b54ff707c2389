"""MkDocs hook: one 404.html holding the 404 page of every language.

GitHub Pages serves the root 404.html for every missing path, and mkdocs-static-i18n renders
that file once per language pass, each pass overwriting the previous one: the English 404 page
showed the Chinese header and search. overrides/404.html writes its page as a JSON block
tagged with the pass's language; after each pass this hook puts back the blocks of the
previous passes, so the final file has all of them and its script shows the one of the path.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

BLOCK = re.compile(r'<script type="application/json" data-dl-404="(?P<lang>[^"]+)">.*?</script>')

_blocks: dict[str, str] = {}  # language -> its JSON block, from the latest pass in that language


def merge(page: str, blocks: dict[str, str]) -> str:
    """``page`` with its language blocks replaced by ``blocks`` (all of them, in order)."""
    found = list(BLOCK.finditer(page))
    if not found:
        return page
    merged = "\n".join(blocks[lang] for lang in sorted(blocks))
    start, end = found[0].start(), found[-1].end()
    return page[:start] + merged + BLOCK.sub("", page[end:])


def on_post_build(config: MkDocsConfig) -> None:
    path = Path(config.site_dir) / "404.html"
    if not path.exists():
        return
    page = path.read_text(encoding="utf-8")
    for match in BLOCK.finditer(page):
        _blocks[match["lang"]] = match.group(0)
    merged = merge(page, _blocks)
    if merged != page:
        path.write_text(merged, encoding="utf-8")
