"""``dlnotes.rnn`` against torch: an LSTM and a GRU layer over a sequence of 100 steps.

Input ``(L, N, H_in) = (100, 32, 256)`` float32 through one layer of hidden size 256, the size
the Q19 page quotes. Both sides are built after the same seed, so they hold the same weights.
Targets (ours/torch, CPU, same run): forward within 3x for both layers; forward + backward
(gradients of the input and every weight) is measured with no promise.

On CPU, torch 2.13 runs ``nn.LSTM`` (float32, no ``proj_size``) through oneDNN
(``aten::mkldnn_rnn_layer``, the whole sequence in one call) and ``nn.GRU`` through its native
per-step loop (``aten::gru``). The ``lstm_native`` cases time torch's LSTM with oneDNN switched
off (``torch.backends.mkldnn.flags(enabled=False)``), so the page can separate "LSTM vs GRU"
from "which kernel ran". ``gru_native`` does the same for the GRU, which should not change.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator

import torch
from torch import Tensor, nn

from benchmarks.harness import Fn, Op, timed
from dlnotes import rnn

SEQUENCE = (100, 32, 256)  # (L, N, H_in)
HIDDEN = 256
SIZE = f"{SEQUENCE} float32, H = {HIDDEN}"
FORWARD = {"eval-forward": 3.0, "train-forward-backward": None}
NO_TARGET = {"eval-forward": None, "train-forward-backward": None}


@contextlib.contextmanager
def _no_onednn() -> Iterator[None]:
    """torch's RNN kernels without oneDNN (its TF32 notice about Intel GPUs silenced)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="TF32 acceleration on top of oneDNN")
        with torch.backends.mkldnn.flags(enabled=False):
            yield


def _layer(
    ours_cls: type[nn.Module], torch_cls: type[nn.Module], onednn: bool
) -> Callable[[str], tuple[Fn, Fn]]:
    def setup(mode: str) -> tuple[Fn, Fn]:
        torch.manual_seed(0)
        ours = ours_cls(SEQUENCE[2], HIDDEN)
        torch.manual_seed(0)
        theirs = torch_cls(SEQUENCE[2], HIDDEN)
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(SEQUENCE, generator=gen).requires_grad_(mode != "eval-forward")
        g = torch.randn(SEQUENCE[0], SEQUENCE[1], HIDDEN, generator=gen)

        def output(module: nn.Module) -> Tensor:
            return module(x)[0]  # (L, N, H)

        def torch_output() -> Tensor:
            with contextlib.nullcontext() if onednn else _no_onednn():
                return output(theirs)

        return (
            timed(mode, lambda: output(ours), [x, *ours.parameters()], g),
            timed(mode, torch_output, [x, *theirs.parameters()], g),
        )

    return setup


OPS = [
    Op("lstm", "dlnotes.rnn.LSTM", "nn.LSTM", SIZE, _layer(rnn.LSTM, nn.LSTM, True), FORWARD),
    Op("gru", "dlnotes.rnn.GRU", "nn.GRU", SIZE, _layer(rnn.GRU, nn.GRU, True), FORWARD),
    Op(
        "lstm_native",
        "dlnotes.rnn.LSTM",
        "nn.LSTM, oneDNN off",
        SIZE,
        _layer(rnn.LSTM, nn.LSTM, False),
        NO_TARGET,
    ),
    Op(
        "gru_native",
        "dlnotes.rnn.GRU",
        "nn.GRU, oneDNN off",
        SIZE,
        _layer(rnn.GRU, nn.GRU, False),
        NO_TARGET,
    ),
]
