"""Figures and notebooks: executed in parallel by a build, in the background under ``mkdocs serve``.

hooks/_notebooks.py writes mkdocs-jupyter's cache entries before the pages are rendered;
hooks/_deferred.py runs that work (and the figures') in a background process when serving, and
hooks/figures.py decides which: serve shows placeholders and never waits, build computes first.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from dlhooks import load_hook
from dlpages import ROOT

_deferred = load_hook("_deferred")
_notebooks = load_hook("_notebooks")
_shared = load_hook("_shared")
figures = load_hook("figures")

NOTEBOOK = """\
# %%
print({value} * 7)
"""


def site_options(cache_dir: Path) -> dict:
    """The site's mkdocs-jupyter settings (defaults filled in), with the cache in ``cache_dir``."""
    from mkdocs_jupyter.plugin import Plugin

    block = next(
        p["mkdocs-jupyter"]
        for p in _shared.site_config()["plugins"]
        if isinstance(p, dict) and "mkdocs-jupyter" in p
    )
    plugin = Plugin()
    errors, _warnings = plugin.load_config(block)
    assert not errors
    return {**plugin.config, "cache_dir": str(cache_dir)}


def notebook(folder: Path, name: str, source: str) -> str:
    """A jupytext notebook where the site's include rule (``notebooks/*.py``) takes it."""
    path = folder / "notebooks" / f"{name}.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(source, encoding="utf-8")
    os.utime(path, (1_000_000_000, 1_000_000_000))  # an old mtime, to see the touch
    return str(path)


def rendered_from_cache(path: str, opts: dict, monkeypatch: pytest.MonkeyPatch) -> str:
    """The page mkdocs-jupyter renders for ``path``, failing if it would execute it again."""
    from mkdocs_jupyter import plugin as jupyter_plugin

    def executed_again(*args: object, **kwargs: object) -> str:
        raise AssertionError(f"{path} was executed again: its cache entry was not found")

    monkeypatch.setattr(jupyter_plugin.convert, "nb2html", executed_again)
    jupyter = jupyter_plugin.Plugin()
    jupyter.config = opts
    jupyter.on_pre_build(config=None)
    page = SimpleNamespace(file=SimpleNamespace(abs_src_path=path, src_path=path), abs_url="/")
    jupyter.on_pre_page(page, config=None, files=None)
    page.render(None, None)
    return page.content


@pytest.fixture
def serving(monkeypatch: pytest.MonkeyPatch):
    """``_deferred`` as in a ``mkdocs serve`` process; any background work stopped afterwards."""
    monkeypatch.setitem(_deferred._state, "command", "serve")
    monkeypatch.setitem(_deferred._state, "process", None)
    yield _deferred
    _deferred.stop()


def test_background_work_executes_notebooks_into_mkdocs_jupyters_cache(
    tmp_path: Path, serving, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two notebooks, executed two at a time by the background process: each page is then a
    cache hit of mkdocs-jupyter's own render, and each source is touched for serve's watcher."""
    opts = site_options(tmp_path / "cache")
    paths = [notebook(tmp_path, f"nb{v}", NOTEBOOK.format(value=v)) for v in (6, 8)]
    assert _notebooks.pending_of(paths, opts) == paths
    serving.start(["en"], False, paths, opts)
    assert serving.running()
    serving.start(["en"], False, paths, opts)  # a rebuild meanwhile starts nothing more
    process = serving._state["process"]
    assert process.wait(timeout=120) == 0
    assert not serving.running()
    assert _notebooks.pending_of(paths, opts) == []
    for path, product in zip(paths, ("42", "56"), strict=True):
        assert product in rendered_from_cache(path, opts, monkeypatch)
        assert os.stat(path).st_mtime > 1_000_000_000


def processes_marked(mark: str) -> list[int]:
    """Processes other than this one whose environment holds ``mark`` (inherited from here)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if mark.encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return [pid for pid in found if pid != os.getpid()]


def marked_once(mark: str, done: Callable[[list[int]], bool], seconds: float) -> list[int]:
    """The processes marked ``mark`` as soon as ``done`` holds for them (or after ``seconds``)."""
    deadline = time.perf_counter() + seconds
    while not done(found := processes_marked(mark)) and time.perf_counter() < deadline:
        time.sleep(0.2)
    return found


SLOW = "# %%\nimport time\ntime.sleep(120)\n"


def test_stopping_serve_stops_the_background_work(
    tmp_path: Path, serving, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On serve's shutdown the background process, its pool workers and the kernels they
    started (in sessions of their own) all end."""
    mark = f"DLNOTES_TEST_MARK={uuid.uuid4().hex}"
    monkeypatch.setenv(*mark.split("="))
    opts = site_options(tmp_path / "cache")
    paths = [notebook(tmp_path, f"slow{i}", SLOW) for i in range(2)]
    serving.start(["en"], False, paths, opts)
    # the background process, its two workers and their two kernels
    started = marked_once(mark, lambda found: len(found) >= 5, seconds=60)
    assert len(started) >= 5, "the background work did not start its kernels"
    serving.stop()
    assert not serving.running()
    left = marked_once(mark, lambda found: not found, seconds=15)
    assert not left, "processes of the background work outlived serve"


SERVE_STAND_IN = """
import json, sys, time
sys.path.insert(0, "hooks")
import _deferred
_deferred.set_command("serve")
_deferred.start(["en"], False, *json.loads(sys.argv[1]))
time.sleep(300)
"""


def test_the_background_work_ends_when_serve_is_killed(tmp_path: Path) -> None:
    """Killed (or its terminal closed), serve runs no ``on_shutdown``: the background process
    notices that its parent is gone and ends, with the kernel it started."""
    mark = f"DLNOTES_TEST_MARK={uuid.uuid4().hex}"
    opts = site_options(tmp_path / "cache")
    slow = [notebook(tmp_path, "slow", SLOW)]
    serve = subprocess.Popen(
        [sys.executable, "-c", SERVE_STAND_IN, json.dumps([slow, opts])],
        cwd=ROOT,
        env={**os.environ, mark.split("=")[0]: mark.split("=")[1]},
    )
    try:
        # serve, the background process and its kernel
        started = marked_once(mark, lambda found: len(found) >= 3, seconds=60)
        assert len(started) >= 3, "the background work did not start its kernel"
    finally:
        serve.kill()
        serve.wait()
    left = marked_once(mark, lambda found: not found, seconds=15)
    assert not left, "the background work outlived a killed serve"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, *args: object) -> None:
        self.calls.append(args)


@pytest.fixture
def figures_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """hooks/figures.py with its folders in ``tmp_path`` and its work recorded, not done."""
    monkeypatch.setattr(figures, "OUT", tmp_path / "figures")
    monkeypatch.setattr(figures, "STAMP", tmp_path / "STAMP")
    monkeypatch.setattr(figures, "figures", lambda: {"fig-a": ("module", None)})
    monkeypatch.setattr(_notebooks, "pending", lambda config: ["nb.en.py"])
    monkeypatch.setattr(_notebooks, "options", lambda config: {"cache_dir": "c"})
    recorded = SimpleNamespace(
        start=Recorder(), refresh=Recorder(), execute=Recorder(), out=tmp_path / "figures"
    )
    monkeypatch.setattr(_deferred, "start", recorded.start)
    monkeypatch.setattr(figures, "refresh", recorded.refresh)
    monkeypatch.setattr(_notebooks, "execute", recorded.execute)
    return recorded


CONFIG = SimpleNamespace(config_file_path=str(ROOT / "mkdocs.yml"))


def test_serve_answers_with_placeholders_and_computes_in_the_background(
    figures_hook: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(_deferred._state, "command", "serve")
    figures.on_pre_build(CONFIG)
    assert figures_hook.refresh.calls == figures_hook.execute.calls == []
    assert figures_hook.start.calls == [(["en", "zh"], True, ["nb.en.py"], {"cache_dir": "c"})]
    for lang in ("en", "zh"):
        svg = (figures_hook.out / f"fig-a.{lang}.svg").read_text(encoding="utf-8")
        assert figures.PLACEHOLDER[lang] in svg
    # a figure drawn by an earlier build stays until its new version is ready
    (figures_hook.out / "fig-a.en.svg").write_text("<svg>old</svg>", encoding="utf-8")
    figures.on_pre_build(CONFIG)
    assert (figures_hook.out / "fig-a.en.svg").read_text(encoding="utf-8") == "<svg>old</svg>"


@pytest.mark.parametrize("command", ["build", "gh-deploy"])
def test_a_build_computes_everything_before_it_renders(
    figures_hook: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setitem(_deferred._state, "command", command)  # `serve --clean` says "build"
    figures.on_pre_build(CONFIG)
    assert figures_hook.start.calls == []
    assert figures_hook.refresh.calls == [(("en", "zh"),)]
    assert figures_hook.execute.calls == [(["nb.en.py"], {"cache_dir": "c"})]
    assert not figures_hook.out.exists()  # no placeholder


@pytest.mark.parametrize("command", ["serve", "build"])
def test_a_notebook_page_not_executed_yet_is_a_placeholder_under_serve_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    from mkdocs_jupyter.plugin import NotebookFile

    monkeypatch.setitem(_deferred._state, "command", command)
    monkeypatch.setattr(_notebooks, "options", lambda config: {})
    monkeypatch.setattr(_notebooks, "cache_path", lambda path, opts: tmp_path / "missing.json")
    file = NotebookFile.__new__(NotebookFile)
    file.file = SimpleNamespace(abs_src_path="docs/notebooks/sgd.zh.py", locale="zh")

    def render(self: object, config: object, files: object) -> None:
        self.content = "executed"

    page = SimpleNamespace(file=file, content=None, toc=None)
    page.render = render.__get__(page)
    figures.on_pre_page(page, CONFIG, None)
    page.render(None, None)
    if command == "serve":
        assert figures.NOTEBOOK_PLACEHOLDER["zh"] in page.content
        assert not list(page.toc)
    else:
        assert page.content == "executed"


def test_what_a_worker_logs_is_logged_by_the_build(caplog: pytest.LogCaptureFixture) -> None:
    """A notebook converted in a pool worker logs there; the build logs it again under the same
    names, so its progress shows and a warning counts for ``mkdocs build --strict``."""
    with _notebooks._keeping_mkdocs_log() as records:
        logging.getLogger("mkdocs.mkdocs-jupyter").info("Converting notebook (execute=True): a")
        logging.getLogger("mkdocs.plugins.x").warning("something to fix")
        logging.getLogger("traitlets").warning("not under mkdocs: not kept")
    assert [r[1:] for r in records] == [
        (logging.INFO, "Converting notebook (execute=True): a"),
        (logging.WARNING, "something to fix"),
    ]
    caplog.set_level(logging.INFO, logger="mkdocs")
    caplog.clear()
    _notebooks._log_again(records)
    assert [(r.name, r.levelname, r.message) for r in caplog.records] == [
        ("mkdocs.mkdocs-jupyter", "INFO", "Converting notebook (execute=True): a"),
        ("mkdocs.plugins.x", "WARNING", "something to fix"),
    ]
