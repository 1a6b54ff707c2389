"""The console of ``mkdocs build`` / ``mkdocs serve`` carries no jieba noise, and real warnings.

Material's search plugin imports jieba when MkDocs loads it. jieba's sources hold invalid
escape sequences: compiled at that import, they raised DeprecationWarnings, which the ``mkdocs``
command prints as INFO lines with tracebacks; and jieba logged "Building prefix dict ...
Loading model cost ..." to stderr when the index was built. The Makefile byte-compiles jieba
once when it installs it (quietly), and hooks/glossary.py turns jieba's log down to warnings
in ``on_startup`` (jieba.setLogLevel). A DeprecationWarning of any other module is still shown.

Run through the ``mkdocs`` console script, as ``make build`` and a reader run it: only there
does MkDocs print warnings (under ``python -m mkdocs`` its warning lines go to a logger named
``__main__``, which has no handler).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dlhooks import HOOKS

CONFIG = """\
site_name: console check
theme: {{name: material}}
plugins: [search]
hooks:
  - {glossary}
  - {warns}
"""
PAGE = "# 批量归一化\n\n批量归一化在训练时使用小批量的均值和方差。\n"
# A hook that raises a DeprecationWarning of its own: the control that warnings are shown.
WARNS = 'import warnings\n\nwarnings.warn("dlnotes console check", DeprecationWarning)\n'


def test_build_console_has_no_jieba_noise_and_shows_real_warnings(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(PAGE, encoding="utf-8")
    (tmp_path / "warns.py").write_text(WARNS, encoding="utf-8")
    config = CONFIG.format(glossary=HOOKS / "glossary.py", warns=tmp_path / "warns.py")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "jieba" not in log, log[-3000:]
    assert "Prefix dict" not in log and "Loading model" not in log, log[-3000:]
    # the control: MkDocs still shows a DeprecationWarning raised by another module
    assert "DeprecationWarning: dlnotes console check" in log, log[-3000:]
    # and jieba did segment the page (the index holds the Chinese words apart)
    index = (tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "\\u200b" in index or "\u200b" in index
