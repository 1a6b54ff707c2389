#!/bin/sh
# Installs the pinned torch (requirements-dev.txt) into the given Python, once, before the rest
# of the toolchain: `make serve`, `make test` and .ci/run all come through here (the Makefile's
# set-up step), so there is one definition of which torch build a machine gets.
#
# On Linux, PyPI's torch wheel is the multi-GB CUDA build, so ask for the CPU build explicitly,
# "torch==X+cpu" (about 200 MB to download, about 750 MB installed):
#   a. from the indexes pip is configured with (the project's machines keep a local CPU wheel;
#      PyPI itself has no "+cpu" wheel, so elsewhere this fails fast);
#   b. otherwise from PyTorch's CPU index (TORCH_CPU_INDEX names a mirror).
# A CUDA build that slips in fails the set-up. macOS and Windows wheels on PyPI are CPU builds
# already: there, plain "torch==X".
# Usage: scripts/install-torch.sh PYTHON
set -eu
python="$1"
pin="$(grep -E '^torch==' "$(dirname "$0")/../requirements-dev.txt")"
version="${pin#torch==}"
pip="$python -m pip install --quiet --disable-pip-version-check --no-compile"

# Already there (any local version of the pinned release, CPU or not checked below): done.
if "$python" -W ignore -c "import sys, torch; sys.exit(torch.__version__.split('+')[0] != '$version')" 2>/dev/null; then
  :
elif [ "$(uname -s)" = Linux ]; then
  if ! $pip "$pin+cpu"; then
    echo "no local $pin+cpu wheel: installing it from PyTorch's CPU index" >&2
    $pip "$pin+cpu" --index-url "${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}" \
      --extra-index-url https://pypi.org/simple
  fi
else
  $pip "$pin"
fi

if [ "$(uname -s)" = Linux ]; then
  # (-W ignore: torch warns that numpy, which it does not need, is not installed yet.)
  "$python" -W ignore -c 'import sys, torch; sys.exit(f"torch {torch.__version__} is a CUDA build: remove it from .venv and run make again" if torch.version.cuda else 0)'
fi
