"""MkDocs hook: theme-level strings in the language of each build pass.

mkdocs-static-i18n switches Material's own strings (search, footer, "back to top" ...) to the
pass's language, and its per-language settings in mkdocs.yml translate the palette toggles,
the copyright line and the page status labels. Three sources of theme text are out of its
reach; this hook puts them in the pass's language:

- the headings' permalink title (``toc`` extension: "Permanent link"), a Markdown extension
  setting, which i18n may not override per language;
- mkdocstrings' section labels ("Parameters", "Source code in" ...): mkdocstrings reads its
  locale from the theme in its ``on_config``, before i18n has set the theme's language for the
  pass, so every pass got English;
- mkdocs-jupyter's copy widget ("Copy to Clipboard", "Copied!"), fixed English in its template,
  and nbconvert's alt text for cell figures ("No description has been provided for this image").

"Made with Material for MkDocs" is overrides/partials/copyright.html.
tests/browser/test_reader.py checks that no English theme string is left on /zh/ pages.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

PERMALINK_TITLE = {"en": "Permanent link", "zh": "本节链接"}

# mkdocs-jupyter's clipboard widget, exact strings of its template -> Chinese
JUPYTER_WIDGET = {
    "zh": {
        'aria-label="Copy to Clipboard"': 'aria-label="复制到剪贴板"',
        '<span class="notice" hidden="">Copied!</span>': (
            '<span class="notice" hidden="">已复制</span>'
        ),
    }
}


# nbconvert's alt text for every figure a notebook cell draws -> what the image is, per language
NOTEBOOK_IMAGE_ALT = 'alt="No description has been provided for this image"'
NOTEBOOK_IMAGE_ALT_TEXT = {
    "en": 'alt="Figure drawn by the code cell above"',
    "zh": 'alt="上方代码单元绘制的图"',
}


def pass_language(config: MkDocsConfig) -> str:
    """The language mkdocs-static-i18n builds in this pass (it is set before the pass starts)."""
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return str(config.theme.get("language") or "en")
    return i18n.current_language or i18n.default_language


@event_priority(100)  # before mkdocstrings' on_config reads its locale
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    lang = pass_language(config)
    # Pages are rendered with config.mdx_configs, read again for every page.
    config.mdx_configs.setdefault("toc", {})["permalink_title"] = PERMALINK_TITLE.get(
        lang, PERMALINK_TITLE["en"]
    )
    mkdocstrings = config.plugins.get("mkdocstrings")
    if mkdocstrings is not None:
        mkdocstrings.config.locale = lang
    return config


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    lang = pass_language(config)
    for english, translated in JUPYTER_WIDGET.get(lang, {}).items():
        output = output.replace(english, translated)
    alt = NOTEBOOK_IMAGE_ALT_TEXT.get(lang, NOTEBOOK_IMAGE_ALT_TEXT["en"])
    return output.replace(NOTEBOOK_IMAGE_ALT, alt)
