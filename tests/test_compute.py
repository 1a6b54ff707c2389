"""The compute step (scripts/compute.py): what it keys its cache on, when the build says it is
stale, the placeholders of `make serve`, and that serve's end ends its work.

The figures and notebooks it writes are checked where they are served: tests/test_figures.py
(every SVG) and tests/test_site_build.py (every notebook page and its .ipynb download).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import packages_distributions
from pathlib import Path
from types import SimpleNamespace

import compute  # scripts/compute.py (pytest's pythonpath)
import pytest
from dlhooks import load_hook

ROOT = Path(__file__).resolve().parent.parent

LANGS = ("en", "zh")


def third_party_imports(paths: list[Path]) -> set[str]:
    """Distributions imported by these Python files (stdlib and dlnotes left out)."""
    distributions = packages_distributions()
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "dlnotes":
                    found.update(distributions.get(top, [top]))
    return found


def test_the_key_covers_every_package_the_notebooks_and_dlnotes_import() -> None:
    """A package that shapes an output but is not in the key would leave stale outputs after
    an upgrade."""
    sources = [*compute.notebook_sources(), *(ROOT / "src").rglob("*.py")]
    imported = third_party_imports(sources)
    assert {"torch", "matplotlib"} <= imported  # the scan sees the imports
    missing = imported - set(compute.PACKAGES)
    assert not missing, f"add {sorted(missing)} to PACKAGES in scripts/compute.py"


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of what the step reads (the package, the notebook sources, the step itself), in
    place of the real files: a test edits the copy."""
    shutil.copytree(compute.PACKAGE, tmp_path / "dlnotes", ignore=shutil.ignore_patterns("__py*"))
    shutil.copytree(
        compute.NOTEBOOKS, tmp_path / "notebooks", ignore=shutil.ignore_patterns("*.ipynb")
    )
    shutil.copy(compute.SELF, tmp_path / "compute.py")
    monkeypatch.setattr(compute, "PACKAGE", tmp_path / "dlnotes")
    monkeypatch.setattr(compute, "PLOTTING", tmp_path / "dlnotes" / "experiments" / "plotting.py")
    monkeypatch.setattr(compute, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(compute, "SELF", tmp_path / "compute.py")
    return tmp_path


def edit(path: Path) -> None:
    """One more byte at the end of ``path``."""
    path.write_bytes(path.read_bytes() + b"#")


@pytest.mark.parametrize(
    "changed", ["dlnotes/norm.py", "notebooks/sgd.zh.py", "compute.py"], ids=lambda p: p
)
def test_inputs_digest_changes_with_each_input(inputs: Path, changed: str) -> None:
    base = compute.inputs_digest(LANGS)
    assert compute.inputs_digest(LANGS) == base
    assert compute.inputs_digest(("en",)) != base
    edit(inputs / changed)
    assert compute.inputs_digest(LANGS) != base


def test_inputs_digest_changes_with_a_package_version(monkeypatch: pytest.MonkeyPatch) -> None:
    base = compute.inputs_digest(LANGS)
    real = compute.version
    monkeypatch.setattr(compute, "version", lambda p: "0.0" if p == "nbclient" else real(p))
    assert compute.inputs_digest(LANGS) != base


def test_a_notebook_key_covers_its_source_the_package_and_the_step(inputs: Path) -> None:
    def keys() -> dict[str, str]:
        return {source.name: stored.name for source, stored, _ in compute._notebook_jobs()}

    base = keys()
    assert len(set(base.values())) == len(base) == len(compute.notebook_sources())
    edit(inputs / "notebooks" / "resnet.en.py")
    now = keys()
    assert [name for name in base if base[name] != now[name]] == ["resnet.en.py"]
    for changed in ("dlnotes/rnn.py", "compute.py"):
        before = keys()
        edit(inputs / changed)
        assert all(keys()[name] != before[name] for name in base), changed


def test_a_figure_key_covers_the_style_the_step_and_matplotlib(
    inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Its experiment's code is covered by ``dlnotes.experiments.cache_key``, tested with it.)"""
    pytest.importorskip("matplotlib")

    def keys() -> dict[str, str]:
        jobs = compute._figure_jobs(LANGS)
        return {name: tuple(p.name for p in stored.values()) for _m, name, stored, _ in jobs}

    base = keys()
    for changed in ("dlnotes/experiments/plotting.py", "compute.py"):
        before = keys()
        edit(inputs / changed)
        assert all(keys()[name] != before[name] for name in base), changed
    before = keys()
    real = compute.version
    monkeypatch.setattr(compute, "version", lambda p: "0.0" if p == "matplotlib" else real(p))
    assert all(keys()[name] != before[name] for name in base)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The step's outputs and stamp redirected to an empty folder."""
    monkeypatch.setattr(compute, "DOCS", tmp_path / "docs")
    monkeypatch.setattr(compute, "STAMP", tmp_path / "cache" / "STAMP")
    return tmp_path


def test_stamp_problem_names_what_is_wrong(scratch: Path) -> None:
    assert "not been computed" in compute.stamp_problem(LANGS)
    figure = scratch / "docs" / "assets" / "figures" / "x.en.svg"
    figure.parent.mkdir(parents=True)
    figure.write_text("<svg/>")
    compute.STAMP.parent.mkdir()
    compute.STAMP.write_text(f"{compute.inputs_digest(LANGS)} assets/figures/x.en.svg")
    assert compute.stamp_problem(LANGS) is None
    figure.unlink()
    assert "docs/assets/figures/x.en.svg" in compute.stamp_problem(LANGS)
    compute.STAMP.write_text("0123 assets/figures/x.en.svg")
    assert "out of date" in compute.stamp_problem(LANGS)


def test_the_build_fails_with_the_command_to_run_unless_serve_computes(
    scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.exceptions import PluginError

    hook = load_hook("figures")
    config = SimpleNamespace(config_file_path=str(ROOT / "mkdocs.yml"))
    monkeypatch.delenv("DLNOTES_PENDING", raising=False)
    with pytest.raises(PluginError, match="run `make compute`"):
        hook.on_pre_build(config)
    monkeypatch.setenv("DLNOTES_PENDING", "1")
    hook.on_pre_build(config)  # make serve: the step is computing them; the build goes on


def test_mkdocs_build_alone_fails_naming_the_command(tmp_path: Path) -> None:
    """`mkdocs build` where the step has not run (an empty cache: no stamp) stops at once."""
    env = {**os.environ, "DLNOTES_CACHE": str(tmp_path / "cache"), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DLNOTES_PENDING", None)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "run `make compute` first" in result.stderr + result.stdout
    assert not (tmp_path / "site" / "index.html").exists()


def test_pending_notebook_keeps_title_and_code_and_says_it_is_pending() -> None:
    source = ROOT / "docs" / "notebooks" / "sgd.zh.py"
    notebook = json.loads(compute.pending_notebook(source, "zh"))
    first, note = notebook["cells"][:2]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")
    assert "正在由 `make serve` 执行" in "".join(note["source"])
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and not any(cell["outputs"] for cell in code)
    assert "jupytext" not in notebook["metadata"]


def test_placeholders_fill_only_missing_files(
    scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(compute, "FIGURES_OUT", scratch / "figures")
    notebooks = scratch / "notebooks"
    notebooks.mkdir()
    for source in compute.notebook_sources()[:2]:
        shutil.copy(source, notebooks / source.name)
    monkeypatch.setattr(compute, "NOTEBOOKS", notebooks)
    kept = scratch / "figures" / f"{next(iter(compute._figure_jobs(LANGS)))[1]}.en.svg"
    kept.parent.mkdir()
    kept.write_text("<svg>real</svg>")
    written = compute.placeholders(LANGS)
    assert written == 2 * len(compute._figure_jobs(LANGS)) - 1 + 2
    assert kept.read_text() == "<svg>real</svg>"
    zh = next((scratch / "figures").glob("*.zh.svg")).read_text(encoding="utf-8")
    assert "正在由 make serve 计算" in zh
    assert len(list(notebooks.glob("*.ipynb"))) == 2
    assert compute.placeholders(LANGS) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    """A process of group ``pgid`` is still running (zombies waiting for a parent don't count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_serve_answers_at_once_and_ctrl_c_stops_the_work(tmp_path: Path) -> None:
    """`make serve` on a tree with nothing computed: the site answers with placeholders while
    the step computes; Ctrl-C (SIGINT to the terminal's process group) ends serve, the step, its
    workers and kernels. Served as `make serve ONLY=en` serves (English pages, no API
    reference): the machinery is the same in every configuration and this one starts soonest;
    the Chinese placeholders are checked above, the full site by the session's build."""
    tree = tmp_path / "tree"
    for name in ("docs", "src", "hooks", "overrides", "scripts", "benchmarks"):
        shutil.copytree(
            ROOT / name, tree / name, ignore=shutil.ignore_patterns("*.ipynb", "figures")
        )
    shutil.copy(ROOT / "mkdocs.yml", tree)
    port = free_port()
    env = {
        **os.environ,
        "DLNOTES_CACHE": str(tmp_path / "cache"),
        "PYTHONPATH": str(tree / "src"),
        "NO_MKDOCS_2_WARNING": "1",
        "DLNOTES_JOBS": "1",  # one worker: the test shares the machine with the others
        "DLNOTES_ZH": "false",  # what the Makefile sets for ONLY=en
        "DLNOTES_API": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "scripts/compute.py", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )
    try:
        deadline, page = time.monotonic() + 120, None
        while page is None and time.monotonic() < deadline and process.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/dlnotes/notebooks/sgd/"
                with urllib.request.urlopen(url, timeout=2) as response:
                    page = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.5)
        assert page is not None, "serve did not answer"
        assert "is being executed by <code>make serve</code>" in page  # the placeholder notebook
        assert list((tree / "docs" / "assets" / "figures").glob("*.en.svg"))
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not group_alive(process.pid), "work left running after serve stopped"
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def test_work_stops_when_asked() -> None:
    """When serve ends on its own, the step's ``stop`` says so: the running task is abandoned
    and the pool's workers are ended (what ``compute``'s ``finally`` does), within seconds."""
    from multiprocessing import get_context

    pool = get_context("spawn").Pool(1)
    start = time.monotonic()
    try:
        with pytest.raises(compute.Stopped):
            compute._run_all(pool, [(time.sleep, (60,))], stop=lambda: True)
    finally:
        pool.terminate()
        pool.join()
    assert time.monotonic() - start < 30
    assert compute._run_all(None, [(max, (1, 2))], stop=lambda: True) == [2]


@pytest.mark.parametrize("lang", LANGS)
def test_the_figure_placeholder_fits_its_box(lang: str) -> None:
    """Each line at most 620 of the box's 640 units wide, at the widest a glyph can be (a CJK
    character is one em; a Latin one at most 0.6 em in the sans-serif fonts browsers use)."""
    svg = compute.PENDING_SVG.format(*compute.PENDING_TEXT[lang])
    size = float(re.search(r'font-size="([\d.]+)"', svg).group(1))
    for line in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg):
        width = sum(size if ord(char) > 0x2E80 else 0.6 * size for char in line)
        assert width <= 620, (line, width)


def test_build_warnings_are_mkdocs_and_kernel_warnings_only() -> None:
    log = (
        "INFO    -  Building documentation...\n"
        "WARNING -  Doc file 'a.md' contains a link 'b.md', but the target is not found\n"
        "  WARNING -  an indented one\n"
        "[IPKernelApp] WARNING | Unknown error in handling startup files\n"
        "INFO    -  a page that says WARNING in its text\n"
    )
    assert compute.build_warnings(log) == log.splitlines()[1:4]
