"""Lighthouse in mobile mode on the built site, served with gzip as GitHub Pages serves it.

Part of ``make budgets`` (and ``make lighthouse`` alone); not a test: the scores are noisy and
depend on the machine's load. Pages: the home page, each question page of docs/questions.yml and
the largest API page, in every language of the site. Each page is audited ``--runs`` times (3)
with ``npx --yes lighthouse@12.2.3`` (pinned: 13.x wants Node 22) driving ``CHROME_PATH`` (by
default the Chromium of scripts/dlchromium.py, with its flags); the table gives the median of
the runs of each column: the performance, accessibility, best-practices and SEO scores, total
blocking time, the DOM size and the bytes transferred (gzip).

The site is the one in ``--site`` (for example ``site/`` after ``make build``); without it, the
script builds one into a temporary folder first, as ``make build`` does (the compute step, then
``mkdocs build --strict``: ``compute.build_site``). The server compresses HTML, CSS,
JavaScript, JSON, SVG and XML with gzip when the browser accepts it, as GitHub Pages does:
uncompressed serving roughly halves the performance score. Node and npm must be installed (npx
fetches Lighthouse from the npm registry the first time). Every line names the load average: on
a shared machine the scores are lower bounds.

Usage: ``python scripts/lighthouse.py [--site DIR] [--runs 3] [--pages index,batch-norm,...]
[--json OUT]``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dlchromium
import yaml
from compute import build_site

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "lighthouse@12.2.3"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}
CHROME_FLAGS = " ".join(["--headless=new", *dlchromium.ARGS])  # scripts/dlchromium.py


class GzipHandler(SimpleHTTPRequestHandler):
    """A static file server that gzips text files for a browser that accepts gzip."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the base class redirects to the folder
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and path.suffix in COMPRESSED and accepts):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve(site: Path) -> ThreadingHTTPServer:
    handler = functools.partial(GzipHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def site_languages() -> list[str]:
    """The languages of the i18n block of mkdocs.yml, the default first."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # mkdocs.yml has !ENV tags: read only the locales, without a YAML loader that knows them.
    locales = [line.split(":", 1)[1].strip() for line in text.splitlines() if "- locale:" in line]
    return locales or ["en"]


def default_pages(site: Path) -> list[str]:
    """The home page, the question pages (registry order) and the largest API page."""
    questions = yaml.safe_load((ROOT / "docs" / "questions.yml").read_text(encoding="utf-8"))
    # The largest API page (one page per module; api/ itself before the split): the worst case.
    api = max((site / "api").rglob("index.html"), key=lambda p: p.stat().st_size)
    api_page = api.parent.relative_to(site).as_posix()
    return ["", *(q["slug"] for q in questions), api_page]


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def audit(url: str, out: Path) -> dict[str, int]:
    """One Lighthouse run (mobile, its default form factor and simulated throttling)."""
    env = {
        **os.environ,
        "CHROME_PATH": os.environ.get("CHROME_PATH") or dlchromium.executable() or "chromium",
    }
    command = [
        "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    # Its own process group: npx, node and Chromium are all ended if this script is stopped.
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        if process.wait() != 0:
            raise subprocess.CalledProcessError(process.returncode, command)
    finally:
        if process.poll() is None:
            # SIGINT: chrome-launcher ends the Chromium it started (detached, in a group of its
            # own) on SIGINT only.
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    row = {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}
    row["tbt_ms"] = round(audits["total-blocking-time"]["numericValue"])
    row["dom"] = round(audits["dom-size"].get("numericValue", 0))
    row["kib"] = round(audits["total-byte-weight"]["numericValue"] / 1024)
    return row


def median_row(runs: list[dict[str, int]]) -> dict[str, int]:
    return {key: round(statistics.median(r[key] for r in runs)) for key in runs[0]}


def build(dest: Path) -> None:
    """The compute step (what is not cached yet) and the strict build, as make build runs them."""
    result = build_site(dest)
    if result.returncode != 0:
        raise SystemExit(f"the build failed:\n{(result.stdout + result.stderr)[-6000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", help="comma-separated page paths without language (index = '')")
    parser.add_argument("--json", type=Path, help="write every run's numbers here")
    args = parser.parse_args()
    # Stopped with SIGTERM (kill, a CI timeout): unwind, so that audit() ends its Lighthouse.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if not shutil.which("npx"):
        print("npx not found: install Node.js 20 and npm (Debian: apt-get install nodejs npm)")
        return 2
    with tempfile.TemporaryDirectory(prefix="dlnotes-lighthouse-") as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            print(f"building the site into {site} ({load()})", flush=True)
            build(site)
        pages = default_pages(site) if args.pages is None else args.pages.split(",")
        pages = ["" if p in ("index", "home") else p.strip("/") for p in pages]
        langs = site_languages()
        server = serve(site.resolve())
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        results: dict[str, list[dict[str, int]]] = {}
        header = "| page | perf | a11y | best pr. | SEO | TBT ms | DOM | KiB (gzip) |"
        rows = [header, "|---|---|---|---|---|---|---|---|"]
        try:
            for lang in langs:
                for page in pages:
                    path = "/".join(p for p in ("" if lang == langs[0] else lang, page) if p)
                    path = f"{path}/" if path else ""
                    runs = []
                    for i in range(args.runs):
                        runs.append(audit(base + path, Path(tmp) / "report.json"))
                        print(f"{path or '/'} run {i + 1}: {runs[-1]} ({load()})", flush=True)
                    results[path or "/"] = runs
                    m = median_row(runs)
                    rows.append(
                        f"| `{path or '/'}` | {m['performance']} | {m['accessibility']} | "
                        f"{m['best-practices']} | {m['seo']} | {m['tbt_ms']:,} | {m['dom']:,} | "
                        f"{m['kib']:,} |"
                    )
        finally:
            server.shutdown()
    print(f"\nLighthouse {LIGHTHOUSE.split('@')[1]}, mobile, median of {args.runs} ({load()}):")
    print("\n".join(rows))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
