"""MkDocs hook: theme-level strings in the language of each page.

mkdocs-static-i18n switches Material's own strings (search, footer, "back to top" ...) to the
pass's language, and its per-language settings in mkdocs.yml translate the palette toggles,
the copyright line and the page status labels. Three sources of theme text are out of its
reach; this hook rewrites them in each page's HTML (a text transform, in the documented
``on_page_content`` and ``on_post_page`` events), for the page's language (``_language``):

- the headings' permalink title (``toc`` extension: "Permanent link"), a Markdown extension
  setting that i18n may not override per language;
- mkdocstrings' section labels ("Parameters:", the "Name / Type / Description / Default"
  table heads ...): mkdocstrings takes one locale per build from the theme in its
  ``on_config``, before i18n has set the theme's language for the pass, so every pass got
  English. Setting another plugin's locale from a hook would rely on the order in which the
  plugins' ``on_config`` run; the labels are translated in the output instead;
- mkdocs-jupyter's copy widget ("Copy to Clipboard", "Copied!"), fixed English in its template,
  and nbconvert's alt text for cell figures ("No description has been provided for this image").

"Made with Material for MkDocs" is overrides/partials/copyright.html.
tests/browser/test_reader.py checks that no English theme string is left on /zh/ pages, and
tests/test_api.py that every mkdocstrings label of the built Chinese API page is translated.
"""

from __future__ import annotations

import re

from _language import page_language
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

# The toc extension's default permalink title (mkdocs.yml leaves it) -> the page's language.
# Its attributes come in either order: Markdown headings write class first, mkdocstrings' href.
PERMALINK = re.compile(r'(<a (?=[^>]*\bclass="headerlink")[^>]*\btitle=")Permanent link(")')
PERMALINK_TITLE = {"zh": "本节链接"}

# mkdocstrings-python's labels as they appear on the API page: section titles
# (<span class="doc-section-title">), table heads (<th>) and the "required" default (<em>).
MKDOCSTRINGS_LABELS = {
    "zh": {
        "Attributes:": "属性：",
        "Examples:": "示例：",
        "Parameters:": "参数：",
        "Other Parameters:": "其他参数：",
        "Raises:": "引发：",
        "Returns:": "返回：",
        "Yields:": "产生：",
        "Warns:": "警告：",
        "Receives:": "接收：",
        "Name": "名称",
        "Type": "类型",
        "Description": "描述",
        "Default": "默认",
        "required": "必需",
    }
}
LABEL = re.compile(
    r'(?P<open><span class="doc-section-title">|<th>|<em>)'
    r"(?P<label>[A-Za-z ]+:?)"
    r"(?P<close></span>|</th>|</em>)"
)
# Only on pages that hold mkdocstrings output (a <table> or <em> elsewhere is prose).
MKDOCSTRINGS_OUTPUT = 'class="doc doc-'


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


def translate_labels(html: str, lang: str) -> str:
    """mkdocstrings' labels and the permalink titles of ``html`` in ``lang``.

    >>> api = '<div class="doc doc-object"><span class="doc-section-title">Parameters:</span>'
    >>> translate_labels(api + "<th>Name</th></div>", "zh")
    '<div class="doc doc-object"><span class="doc-section-title">参数：</span><th>名称</th></div>'
    >>> translate_labels(api + "<th>Name</th></div>", "en") == api + "<th>Name</th></div>"
    True
    >>> translate_labels("<table><th>Name</th></table>", "zh")  # not mkdocstrings output
    '<table><th>Name</th></table>'
    """
    labels = MKDOCSTRINGS_LABELS.get(lang)
    if labels and MKDOCSTRINGS_OUTPUT in html:
        html = LABEL.sub(
            lambda m: m["open"] + labels.get(m["label"], m["label"]) + m["close"], html
        )
    title = PERMALINK_TITLE.get(lang)
    if title:
        html = PERMALINK.sub(lambda m: m.group(1) + title + m.group(2), html)
    return html


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return translate_labels(html, page_language(page, config))


def translate_widgets(output: str, lang: str) -> str:
    """mkdocs-jupyter's widget labels and nbconvert's figure alt text in ``lang``."""
    for english, translated in JUPYTER_WIDGET.get(lang, {}).items():
        output = output.replace(english, translated)
    alt = NOTEBOOK_IMAGE_ALT_TEXT.get(lang, NOTEBOOK_IMAGE_ALT_TEXT["en"])
    return output.replace(NOTEBOOK_IMAGE_ALT, alt)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return translate_widgets(output, page_language(page, config))
