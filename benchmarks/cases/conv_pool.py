"""``dlnotes.conv`` against torch at ResNet stage sizes, and the naive loop that im2col replaces.

The convolution takes a ResNet stage-1 activation, ``(N, C, H, W) = (32, 64, 56, 56)`` float32,
through a 3×3, 64 → 64, padding-1 convolution (one unfold and one matrix multiply on our side);
the poolings take the same tensor through ResNet's 3×3, stride-2, padding-1 window. Targets
(ours/torch, CPU, same run): forward within 3x for all three. The naive nested-loop convolution
(`dlnotes.conv.conv2d_naive`) runs on a tiny input, ``(1, 3, 12, 12)`` → 4 channels, where it
still finishes; it carries no target: it shows why im2col exists.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.harness import Fn, Op, timed
from dlnotes import conv

IMAGE = (32, 64, 56, 56)  # (N, C, H, W), a ResNet-18/34 stage-1 activation
SMALL = (1, 3, 12, 12)
FORWARD = {"eval-forward": 3.0}


def _image(shape: tuple[int, ...], out_channels: int) -> tuple[Tensor, Tensor, Tensor]:
    """Seeded input, 3×3 weight and bias."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=gen)
    w = torch.randn(out_channels, shape[1], 3, 3, generator=gen) / (3 * shape[1] ** 0.5)
    b = torch.randn(out_channels, generator=gen)
    return x, w, b


def _conv2d(mode: str) -> tuple[Fn, Fn]:
    x, w, b = _image(IMAGE, IMAGE[1])
    return (
        timed(mode, lambda: conv.conv2d(x, w, b, padding=1)),
        timed(mode, lambda: F.conv2d(x, w, b, padding=1)),
    )


def _max_pool(mode: str) -> tuple[Fn, Fn]:
    x, _, _ = _image(IMAGE, 1)
    return (
        timed(mode, lambda: conv.max_pool2d(x, 3, 2, 1)),
        timed(mode, lambda: F.max_pool2d(x, 3, 2, 1)),
    )


def _avg_pool(mode: str) -> tuple[Fn, Fn]:
    x, _, _ = _image(IMAGE, 1)
    return (
        timed(mode, lambda: conv.avg_pool2d(x, 3, 2, 1)),
        timed(mode, lambda: F.avg_pool2d(x, 3, 2, 1)),
    )


def _naive(mode: str) -> tuple[Fn, Fn]:
    x, w, b = _image(SMALL, 4)
    return (
        timed(mode, lambda: conv.conv2d_naive(x, w, b, padding=1)),
        timed(mode, lambda: F.conv2d(x, w, b, padding=1)),
    )


OPS = [
    Op(
        "conv2d",
        "dlnotes.conv.conv2d",
        "F.conv2d",
        f"{IMAGE} float32, 3×3, 64→64",
        _conv2d,
        FORWARD,
    ),
    Op(
        "max_pool2d",
        "dlnotes.conv.max_pool2d",
        "F.max_pool2d",
        f"{IMAGE} float32, 3×3/2",
        _max_pool,
        FORWARD,
    ),
    Op(
        "avg_pool2d",
        "dlnotes.conv.avg_pool2d",
        "F.avg_pool2d",
        f"{IMAGE} float32, 3×3/2",
        _avg_pool,
        FORWARD,
    ),
    Op(
        "conv2d_naive",
        "dlnotes.conv.conv2d_naive",
        "F.conv2d",
        f"{SMALL} float32, 3×3, 3→4",
        _naive,
        {"eval-forward": None},
    ),
]
