"""``dlnotes.norm`` against torch at realistic sizes.

Batch, group and instance norm take the activations of a small ResNet stage,
``(N, C, H, W) = (64, 64, 32, 32)`` float32 (4 Mi values, 16 MiB); layer norm takes a BERT-base
batch, ``(32, 128, 768)``. Every side gets its own running buffers and module, built from the
same seeded values. Targets (ours/torch, CPU, same run) are set for batch norm in training:
forward within 1.5x, forward + backward within 2x.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from benchmarks.harness import Fn, Op, timed
from dlnotes import norm

IMAGE = (64, 64, 32, 32)  # (N, C, H, W)
TOKENS = (32, 128, 768)  # (batch, sequence, hidden)
GROUPS = 32
EPS = 1e-5
# mode -> largest acceptable ours/torch ratio (None: measured, no promise)
BN_MODES = {"train-forward": 1.5, "train-forward-backward": 2.0, "eval-forward": None}
TRAIN_MODES = {"train-forward": None, "train-forward-backward": None}


def _size(shape: tuple[int, ...]) -> str:
    return f"{shape} float32"


def _tensors(shape: tuple[int, ...], channels: int | tuple[int, ...], grad: bool) -> list[Tensor]:
    """Seeded input x (mean 1, std 2), upstream gradient g, weight and bias."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=gen) * 2 + 1
    g = torch.randn(shape, generator=gen)
    w = torch.rand(channels, generator=gen) + 0.5
    b = torch.randn(channels, generator=gen)
    return [x.requires_grad_(grad), g, w.requires_grad_(grad), b.requires_grad_(grad)]


# ------------------------------------------------------------------------------ setups


def _batch_norm(mode: str) -> tuple[Fn, Fn]:
    training = mode != "eval-forward"
    x, g, w, b = _tensors(IMAGE, IMAGE[1], grad=training)
    ours_mean, ours_var = torch.zeros(IMAGE[1]), torch.ones(IMAGE[1])
    torch_mean, torch_var = torch.zeros(IMAGE[1]), torch.empty(IMAGE[1]).uniform_(0.5, 2.0)
    ours_var.copy_(torch_var)  # eval: non-trivial running statistics, the same on both sides
    return (
        timed(
            mode,
            lambda: norm.batch_norm(x, ours_mean, ours_var, w, b, training, 0.1, EPS),
            [x, w, b],
            g,
        ),
        timed(
            mode,
            lambda: F.batch_norm(x, torch_mean, torch_var, w, b, training, 0.1, EPS),
            [x, w, b],
            g,
        ),
    )


def _batch_norm_2d(mode: str) -> tuple[Fn, Fn]:
    x, g, _, _ = _tensors(IMAGE, IMAGE[1], grad=mode != "eval-forward")
    theirs = nn.BatchNorm2d(IMAGE[1])
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5), theirs.bias.uniform_(-1, 1)
        theirs.running_var.uniform_(0.5, 2.0)
    ours = norm.BatchNorm2d(IMAGE[1])
    ours.load_state_dict(theirs.state_dict())
    ours.train(mode != "eval-forward"), theirs.train(mode != "eval-forward")
    return tuple(timed(mode, lambda m=m: m(x), [x, m.weight, m.bias], g) for m in (ours, theirs))


def _batch_norm_backward(mode: str) -> tuple[Fn, Fn]:
    x, g, w, _ = _tensors(IMAGE, IMAGE[1], grad=False)
    _, save_mean, save_invstd = torch.native_batch_norm(x, w, None, None, None, True, 0.1, EPS)
    mask = [True, True, True]
    return (
        lambda: norm.batch_norm_backward(g, x, w, EPS),
        lambda: torch.ops.aten.native_batch_norm_backward(
            g, x, w, None, None, save_mean, save_invstd, True, EPS, mask
        ),
    )


def _layer_norm(mode: str) -> tuple[Fn, Fn]:
    x, g, w, b = _tensors(TOKENS, TOKENS[-1], grad=True)
    shape = TOKENS[-1:]
    return (
        timed(mode, lambda: norm.layer_norm(x, shape, w, b, EPS), [x, w, b], g),
        timed(mode, lambda: F.layer_norm(x, shape, w, b, EPS), [x, w, b], g),
    )


def _group_norm(mode: str) -> tuple[Fn, Fn]:
    x, g, w, b = _tensors(IMAGE, IMAGE[1], grad=True)
    return (
        timed(mode, lambda: norm.group_norm(x, GROUPS, w, b, EPS), [x, w, b], g),
        timed(mode, lambda: F.group_norm(x, GROUPS, w, b, EPS), [x, w, b], g),
    )


def _instance_norm(mode: str) -> tuple[Fn, Fn]:
    x, _, w, b = _tensors(IMAGE, IMAGE[1], grad=True)
    return (
        lambda: norm.instance_norm(x, None, None, w, b, True, 0.1, EPS),
        lambda: F.instance_norm(x, None, None, w, b, True, 0.1, EPS),
    )


def _fold(mode: str) -> tuple[Fn, Fn]:
    conv = nn.Conv2d(256, 256, 3, padding=1)  # a ResNet-18 stage-3 convolution
    bn = nn.BatchNorm2d(256).eval()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5), bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2.0)
    stats = (bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return (
        lambda: norm.fold_batch_norm(conv.weight, conv.bias, bn),
        lambda: fuse_conv_bn_weights(conv.weight, conv.bias, *stats),
    )


# ------------------------------------------------------------------------------ the cases

OPS = [
    Op(
        "batch_norm", "dlnotes.norm.batch_norm", "F.batch_norm", _size(IMAGE), _batch_norm, BN_MODES
    ),
    Op(
        "BatchNorm2d",
        "dlnotes.norm.BatchNorm2d",
        "nn.BatchNorm2d",
        _size(IMAGE),
        _batch_norm_2d,
        BN_MODES,
    ),
    Op(
        "batch_norm_backward",
        "dlnotes.norm.batch_norm_backward",
        "aten.native_batch_norm_backward",
        _size(IMAGE),
        _batch_norm_backward,
        {"backward": None},
    ),
    Op(
        "layer_norm",
        "dlnotes.norm.layer_norm",
        "F.layer_norm",
        _size(TOKENS),
        _layer_norm,
        TRAIN_MODES,
    ),
    Op(
        "group_norm",
        "dlnotes.norm.group_norm",
        "F.group_norm",
        f"{IMAGE} float32, G = {GROUPS}",
        _group_norm,
        TRAIN_MODES,
    ),
    Op(
        "instance_norm",
        "dlnotes.norm.instance_norm",
        "F.instance_norm",
        _size(IMAGE),
        _instance_norm,
        {"train-forward": None},
    ),
    Op(
        "fold_batch_norm",
        "dlnotes.norm.fold_batch_norm",
        "fuse_conv_bn_weights",
        "conv (256, 256, 3, 3) float32",
        _fold,
        {"call": None},
    ),
]
