#!/bin/sh
# Runs the package tests and the page snippets on one torch release, in a virtual environment of
# their own: how the floor in pyproject.toml (`torch>=X`) was found and is kept true. The CI
# workflow's torch-range job (.github/workflows/ci.yml) runs this for the oldest release
# pyproject.toml claims and the newest; a developer runs the same command (CONTRIBUTING.md,
# "Supported torch versions"). The project's .venv is never touched.
#
# Usage: scripts/torch-range.sh VERSION [VENV]
#   VERSION: a release (2.4.1), or `latest` for the newest the index serves.
#   VENV: where the environment goes (default: ${TMPDIR:-/tmp}/dlnotes-torch-VERSION); it is
#   reused when it holds that torch already, and left in place afterwards (several GB when torch
#   is a CUDA build): delete it when done.
#   TORCH_INDEX: where torch comes from.
#     - unset: the CPU build, "torch==VERSION+cpu", from PyTorch's CPU index (about 200 MB to
#       download; TORCH_CPU_INDEX names a mirror);
#     - TORCH_INDEX=pip: plain "torch==VERSION" from the indexes pip is configured with (on
#       Linux, PyPI's wheel is the CUDA build, several GB, which runs on the CPU all the same):
#       for machines that reach PyPI but not download.pytorch.org.
#
# What runs: the package's tests (tests/PACKAGE_TESTS below), the docstrings' examples (src/) and
# every fenced block of the English pages (docs/, Sybil; the Chinese blocks hold the same code,
# tests/test_parity.py), with pytest, hypothesis, Sybil and the `experiments` extra at the
# versions requirements-dev.txt pins. Numpy is left to pip, as a reader's install leaves it.
# Extra arguments for pytest: PYTEST_ARGS (e.g. PYTEST_ARGS="-x --durations=5").
set -eu
cd "$(dirname "$0")/.."
version="${1:?usage: scripts/torch-range.sh VERSION [VENV]}"
venv="${2:-${TMPDIR:-/tmp}/dlnotes-torch-$version}"

PACKAGE_TESTS="tests/test_norm.py tests/test_conv.py tests/test_resnet.py tests/test_rnn.py
tests/test_optim.py tests/test_bad_input.py tests/test_experiment_kit.py tests/test_namespaces.py"

python="$venv/bin/python"
pip="$python -m pip install --quiet --disable-pip-version-check --no-compile"
pins() {  # the exact pins of requirements-dev.txt for the named packages
  for name in "$@"; do
    grep -E "^$name==" requirements-dev.txt || { echo "no pin for $name in requirements-dev.txt" >&2; exit 1; }
  done
}

test -x "$python" || python3 -m venv "$venv"
installed() { "$python" -W ignore -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || true; }
if [ "$version" = latest ] || [ "$(installed)" != "$version" ]; then
  if [ "$version" = latest ]; then want=torch; else want="torch==$version"; fi
  if [ "${TORCH_INDEX:-}" = pip ]; then
    $pip --upgrade "$want"
  else
    # A release: its "+cpu" build, torch's dependencies from PyPI too (as scripts/install-torch.sh).
    # The newest: from the CPU index alone (it serves torch's dependencies as well), so that a
    # newer CUDA build on PyPI cannot win.
    if [ "$version" = latest ]; then more=""; else want="$want+cpu" more="https://pypi.org/simple"; fi
    $pip --upgrade "$want" --index-url "${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}" \
      ${more:+--extra-index-url "$more"}
  fi
fi
version="$(installed)"
test -n "$version" || { echo "torch did not install into $venv" >&2; exit 1; }
if [ "${TORCH_INDEX:-}" != pip ]; then  # a CUDA build that slipped in (PyPI's) is not what was asked
  "$python" -W ignore -c 'import sys, torch; sys.exit(f"torch {torch.__version__} is a CUDA build" if torch.version.cuda else 0)'
fi

# The package (editable: the tests and Sybil read src/) with its experiments extra, and the test
# tools. The constraint keeps the torch under test: a requirement it does not meet fails here
# instead of replacing it.
constraint="$venv/torch-constraint.txt"
echo "torch==$version" >"$constraint"
tools="$(pins pytest hypothesis sybil matplotlib scikit-learn)"
# shellcheck disable=SC2086 # one argument per pin
$pip -c "$constraint" -e ".[experiments]" pyyaml $tools

"$python" -c 'import sys, numpy, torch; print(f"torch {torch.__version__}, numpy {numpy.__version__}, Python {sys.version.split()[0]}")'
# shellcheck disable=SC2086 # PACKAGE_TESTS and PYTEST_ARGS are lists
exec env MPLBACKEND=Agg "$python" -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-} $PACKAGE_TESTS src docs
