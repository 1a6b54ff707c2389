"""MkDocs hook: one 404.html holding the 404 page of every language.

GitHub Pages serves the root 404.html for every missing path. MkDocs writes a theme's static
templates (404.html) to the site root on every build, and mkdocs-static-i18n runs one build per
language, so each language's build renders the root 404.html again: the English 404 page
showed the Chinese header and search. overrides/404.html writes its page as a JSON block
tagged with the build's language (``config.theme.language``, which mkdocs-static-i18n sets per
language: docs/setup/setting-up-material.md). MkDocs' documented ``on_post_template`` event
hands this hook each rendering of 404.html before it is written; the hook keeps every
language's block seen so far in this run and writes them all, so whichever language is built
last writes the file with every language's page, in whatever order the languages are built.
The script of overrides/404.html shows the block of the path's language.
"""

from __future__ import annotations

import re

from mkdocs.config.defaults import MkDocsConfig

BLOCK = re.compile(r'<script type="application/json" data-dl-404="(?P<lang>[^"]+)">.*?</script>')

# language -> its JSON block, from the latest rendering in that language. MkDocs loads a hook
# once per process: under mkdocs serve the blocks stay between rebuilds, and every rebuild
# replaces each language's block with its new rendering.
_blocks: dict[str, str] = {}


def merge(page: str, blocks: dict[str, str]) -> str:
    """``page`` with its language blocks replaced by ``blocks`` (all of them, in order)."""
    found = list(BLOCK.finditer(page))
    if not found:
        return page
    merged = "\n".join(blocks[lang] for lang in sorted(blocks))
    start, end = found[0].start(), found[-1].end()
    return page[:start] + merged + BLOCK.sub("", page[end:])


def keep_and_merge(page: str, blocks: dict[str, str]) -> str:
    """Add ``page``'s own blocks to ``blocks``, then ``page`` holding all of them."""
    for match in BLOCK.finditer(page):
        blocks[match["lang"]] = match.group(0)
    return merge(page, blocks)


def on_post_template(output_content: str, template_name: str, config: MkDocsConfig) -> str:
    if template_name != "404.html":
        return output_content
    return keep_and_merge(output_content, _blocks)
