"""A notebook runs outside the site: downloaded into Jupyter, or opened in Colab from the repo.

- **The first code cell installs what the notebook needs.** Each notebook's first code cell is
  ``%pip install --quiet "dlnotes-interview[experiments] @ git+<repo_url>"``: Jupyter and Colab
  run it; the compute step skips it (it carries nbclient's ``skip-execution`` tag, and the
  step's environment has the package). Checked on every notebook, in both languages, with the
  imports of every other cell limited to what that line installs.
- **The download runs top to bottom in a fresh kernel.** Once per session, the executed
  ``.ipynb`` that a notebook page's download button gives is run with nbclient in a kernel whose
  venv holds torch only (the ``reader_venv`` fixture, tests/dlwheel.py, shared with
  tests/test_wheel_snippets.py) and ipykernel: a Jupyter kernel is a Python with ipykernel, and
  ``%pip`` installs into it. The first cell's repository URL is replaced by the wheel built from
  this checkout (no GitHub here); nothing else is installed. Every notebook runs, in both
  languages. A reader's fresh venv has no experiment cache, so in the two cheapest notebooks,
  one per language (``FRESH``), the experiments run for real; the other eight read the results
  the compute step stored (a copy of its cache, ``DLNOTES_CACHE``: the same code and torch
  give the same keys), since running every experiment again would add minutes and test the
  experiments, not the download.
- **The Colab link opens a file of the repository.** Each notebook page links "Open in Colab"
  (in its own language) to ``notebooks/<slug>.<lang>.ipynb`` at ``repo_url``: the notebook
  without outputs, tracked, written by the compute step from the jupytext source and checked in
  sync with it here.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import compute  # scripts/compute.py (pytest's pythonpath)
import nbformat
import pytest
from dlpages import LANGUAGES, SitePage, mkdocs_config
from dlwheel import ReaderVenv, run
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

REPO_URL = mkdocs_config()["repo_url"].rstrip("/")
OWNER_REPO = urlsplit(REPO_URL).path.strip("/")  # dlnotes/dlnotes
COLAB = f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/"
LABEL = {"en": "Open in Colab", "zh": "在 Colab 中打开"}
REQUIREMENT = f"dlnotes-interview[experiments] @ git+{REPO_URL}"
PIP_LINE = re.compile(r"^%pip install --quiet (\"[^\"]+\")$", re.MULTILINE)
CPU_TORCH = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
# What the first cell installs (and its dependencies' import names a notebook may use).
INSTALLED = {"dlnotes", "torch", "sklearn", "matplotlib", "numpy"}

# Run fresh: the two cheapest notebooks, one per language. Their experiments, measured without
# a cache on one thread here: sgd 11 s of CPU, batch-norm 15 s, lstm-gru 17 s, resnet 21 s,
# conv-pool 29 s.
FRESH = {"en": "batch-norm", "zh": "sgd"}

SOURCES = compute.notebook_sources()
STEMS = [source.stem for source in SOURCES]  # batch-norm.en


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def tracked() -> set[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(listing.stdout.split("\0"))


def test_every_notebook_source_is_checked() -> None:
    assert len(SOURCES) >= 2 and {s.rsplit(".", 1)[1] for s in STEMS} == set(LANGUAGES)


# --- the first cell ------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_first_code_cell_installs_the_package_and_the_build_skips_only_it(
    source: Path,
) -> None:
    first, *rest = code_cells(compute.read_notebook(source))
    assert compute.SKIP_TAG in first.metadata.get("tags", []), "the build would run pip"
    lines = PIP_LINE.findall(first.source)
    assert len(lines) == 1, first.source
    requirement = Requirement(json.loads(lines[0]))
    assert str(requirement) == str(Requirement(REQUIREMENT))
    # every other cell runs on the site (its outputs are the page)
    assert not [cell for cell in rest if compute.SKIP_TAG in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_other_cells_import_only_what_the_first_installs(source: Path) -> None:
    _first, *rest = code_cells(compute.read_notebook(source))
    imported = set()
    for cell in rest:
        code = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "dlnotes" in imported
    assert imported <= INSTALLED | sys.stdlib_module_names, imported - INSTALLED


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_first_cell_says_how_to_install_and_what_colab_and_jupyter_need(
    source: Path,
) -> None:
    """The notebook's opening text: the pip line, what the extra adds, where torch comes from."""
    text = compute.read_notebook(source).cells[0].source
    assert f'pip install "{REQUIREMENT}"' in text
    assert all(name in text for name in ("experiments", "scikit-learn", "matplotlib"))
    assert "Colab" in text and "PyPI" in text and CPU_TORCH in text


# --- the Colab copies ----------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_colab_copy_is_the_source_without_outputs(source: Path) -> None:
    copy = compute.COLAB / f"{source.stem}.ipynb"
    assert copy.exists(), f"{copy.relative_to(ROOT)} is missing: run make compute"
    assert copy.read_bytes() == compute.colab_notebook(source), (
        f"{copy.relative_to(ROOT)} is out of date: run make compute and commit it"
    )
    notebook = nbformat.reads(copy.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(notebook)
    assert not any(cell.get("outputs") for cell in notebook.cells)
    assert "jupytext" not in notebook.metadata


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_colab_copy_links_to_published_pages_in_its_language(
    source: Path, site_dir: Path
) -> None:
    """Colab opens the copy from the repository: a relative link to a page would lead nowhere.
    Each link to the site is absolute, to a page the build has, in the notebook's language."""
    text = compute.COLAB.joinpath(f"{source.stem}.ipynb").read_text(encoding="utf-8")
    assert "](../" not in text and "](./" not in text
    lang = source.stem.rsplit(".", 1)[1]
    base = compute.site_url() + ("" if lang == LANGUAGES[0] else f"{lang}/")
    links = re.findall(rf"\]\({re.escape(compute.site_url())}([^)#\s]*)", text)
    assert links, "the copy links to no page of the site"
    for path in links:
        assert (compute.site_url() + path).startswith(base), f"{path}: not in {lang}"
        assert (site_dir / path / "index.html").is_file(), f"{path}: no such page in the build"


def test_the_colab_copies_are_the_sources_only() -> None:
    copies = {path.name for path in compute.COLAB.glob("*")}
    assert copies == {f"{stem}.ipynb" for stem in STEMS}


def test_colab_notebook_is_reproducible() -> None:
    assert compute.colab_notebook(SOURCES[0]) == compute.colab_notebook(SOURCES[0])


def colab_links(html: str) -> list[tuple[str, str]]:
    """``(path in the repository, link text)`` of each Colab link in a page."""
    found = re.findall(rf'<a href="{re.escape(COLAB)}([^"]+)"[^>]*>([^<]*)</a>', html)
    return [(path, text) for path, text in found]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_notebook_page_opens_its_tracked_notebook_in_colab(site_dir: Path, lang: str) -> None:
    files = tracked()
    for stem in STEMS:
        slug, notebook_lang = stem.rsplit(".", 1)
        if notebook_lang != lang:
            continue
        html = SitePage(f"notebooks/{slug}", lang).html_file(site_dir).read_text(encoding="utf-8")
        assert colab_links(html) == [(f"notebooks/{stem}.ipynb", LABEL[lang])], stem
        assert f"notebooks/{stem}.ipynb" in files, f"notebooks/{stem}.ipynb is not committed"


def test_every_colab_link_of_the_site_opens_a_tracked_file(site_dir: Path) -> None:
    files = tracked()
    links = [
        (page.relative_to(site_dir).as_posix(), path)
        for page in site_dir.rglob("*.html")
        for path, _text in colab_links(page.read_text(encoding="utf-8"))
    ]
    assert len(links) >= len(STEMS)
    assert not [link for link in links if link[1] not in files]


def test_the_link_check_sees_links() -> None:
    html = f'<p><a href="{COLAB}notebooks/x.en.ipynb">Open in Colab</a></p>'
    assert colab_links(html) == [("notebooks/x.en.ipynb", "Open in Colab")]


# --- the download, run in a fresh kernel ---------------------------------------------------


def ipykernel_pin() -> str:
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    (pin,) = [line for line in lines if line.startswith("ipykernel==")]
    return pin


@pytest.fixture(scope="session")
def fresh_runs(reader_venv: ReaderVenv, site_dir: Path) -> dict[str, nbformat.NotebookNode]:
    """Each notebook of ``FRESH``, downloaded from the built site, run top to bottom."""
    return run_downloads(reader_venv, site_dir)


def run_downloads(reader_venv: ReaderVenv, site_dir: Path) -> dict[str, nbformat.NotebookNode]:
    """Run every notebook's download in the reader's venv, each from its first cell (by stem);
    those of ``FRESH`` without an experiment cache, the others with a copy of the step's."""
    python = str(reader_venv.python)
    # The venv holds torch only: undo what the page blocks' test may have installed first.
    installed = ["dlnotes-interview", "scikit-learn", "matplotlib"]
    run([python, "-m", "pip", "uninstall", "--yes", *installed], env=reader_venv.env)
    reader_venv.pip_install(ipykernel_pin())  # what Jupyter (and Colab) run a kernel with
    kernels = reader_venv.work / "kernels"
    spec = kernels / "reader"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "reader", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(kernels)])
    folder = reader_venv.work / "reader-notebooks"  # the reader's own folder
    folder.mkdir(exist_ok=True)
    env = {k: v for k, v in reader_venv.env.items() if k != "MPLBACKEND"}
    env["IPYTHONDIR"] = str(reader_venv.work / "ipython")  # no profile of this machine's
    results = reader_venv.work / "results"  # the compute step's stored results, copied
    results.mkdir(exist_ok=True)
    for stored in compute.CACHE.glob("dlnotes.experiments.*.json"):
        shutil.copy(stored, results)
    stored_names = {p.name for p in results.iterdir()}
    runs = {}
    for stem in STEMS:
        slug, lang = stem.rsplit(".", 1)
        page = SitePage(f"notebooks/{slug}", lang).html_file(site_dir).parent
        notebook = nbformat.read(page / f"{slug}.{lang}.ipynb", as_version=4)
        install = code_cells(notebook)[0]
        assert install.source.count(f"@ git+{REPO_URL}") == 1
        install.source = install.source.replace(
            f"@ git+{REPO_URL}", f"@ {reader_venv.wheel.as_uri()}"
        )
        install.metadata.pop("tags")  # Jupyter and Colab run every cell
        check = "import sys, dlnotes\nprint(sys.executable)\nprint(dlnotes.__file__)"
        notebook.cells.append(nbformat.v4.new_code_cell(check))
        manager = KernelManager(
            kernel_name="reader",
            kernel_spec_manager=specs,
            transport="ipc",
            ip=str(reader_venv.work / f"kernel-{stem}"),
        )
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=compute.CELL_TIMEOUT,
            resources={"metadata": {"path": str(folder)}},
        )
        cache = {} if FRESH[lang] == slug else {"DLNOTES_CACHE": str(results)}
        try:
            client.execute(env={**env, **cache})
        finally:
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
        runs[stem] = notebook
    # every experiment of the eight cached runs was found: none stored a new result
    new = sorted({p.name for p in results.iterdir()} - stored_names)
    assert not new, f"results the compute step had not stored (keys differ?): {new}"
    return runs


@pytest.mark.parametrize("stem", STEMS)
def test_the_download_runs_in_a_fresh_kernel_from_its_first_cell(
    fresh_runs: dict[str, nbformat.NotebookNode], reader_venv: ReaderVenv, stem: str
) -> None:
    notebook = fresh_runs[stem]
    *cells, check = code_cells(notebook)
    assert all(cell.execution_count for cell in cells)
    assert not [o for cell in cells for o in cell.outputs if o.output_type == "error"]
    figures = [o for cell in cells for o in cell.outputs if "image/png" in o.get("data", {})]
    assert figures, "no figure shown"
    executable, package = "".join(o.text for o in check.outputs).split()
    assert Path(executable) == reader_venv.python
    assert Path(package).is_relative_to(reader_venv.python.parent.parent), package
