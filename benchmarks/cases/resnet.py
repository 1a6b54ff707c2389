"""``dlnotes.resnet`` blocks against the same blocks built from torch layers, torchvision-style.

The basic block takes a ResNet-18/34 stage-1 activation, ``(N, C, H, W) = (8, 64, 56, 56)``
float32, through ``BasicBlock(64, 64)``; the bottleneck takes a ResNet-50 stage-1 activation,
``(8, 256, 56, 56)``, through ``Bottleneck(256, 64)``. The torch side is torchvision's block
written out with ``nn.Conv2d``, ``nn.BatchNorm2d`` and ``F.relu`` and loaded with our weights
(``load_state_dict(strict=True)``), so the two sides differ only in the batch normalization:
``dlnotes.norm.BatchNorm2d`` in ours, torch's fused kernel in theirs. Targets (ours/torch, CPU,
same run): within 2x in training and in eval. The bottleneck is timed forward only: at 6 million
activations per ReLU, float32 rounding differences between the two BN implementations flip a
few ReLU masks, which changes a few thousand input-gradient entries by O(1), so its backward
pass cannot be checked elementwise (the forward pass is continuous, and agrees).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmarks.harness import Fn, Op, timed
from dlnotes import resnet

BASIC = (8, 64, 56, 56)  # (N, C, H, W), a ResNet-18/34 stage-1 activation
BOTTLENECK = (8, 256, 56, 56)  # a ResNet-50 stage-1 activation
MODES = {"train-forward-backward": 2.0, "eval-forward": 2.0}
FORWARD = {"train-forward": 2.0, "eval-forward": 2.0}


class TorchBasicBlock(nn.Module):
    """torchvision's BasicBlock (no downsample) from torch layers."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + x)


class TorchBottleneck(nn.Module):
    """torchvision's Bottleneck (no downsample) from torch layers."""

    def __init__(self, c_in: int, width: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, 4 * width, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(4 * width)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + x)


def _pair(ours: nn.Module, theirs: nn.Module, shape: tuple[int, ...], mode: str) -> tuple[Fn, Fn]:
    torch.manual_seed(0)
    with torch.no_grad():  # non-trivial γ, β and running statistics, the same on both sides
        for m in ours.modules():
            if hasattr(m, "running_var"):
                m.weight.uniform_(0.5, 1.5), m.bias.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0), m.running_mean.uniform_(-0.5, 0.5)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    training = mode != "eval-forward"
    ours.train(training), theirs.train(training)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=gen).requires_grad_(training)
    g = torch.randn(shape, generator=gen)
    return tuple(timed(mode, lambda m=m: m(x), [x, *m.parameters()], g) for m in (ours, theirs))


def _basic(mode: str) -> tuple[Fn, Fn]:
    return _pair(resnet.BasicBlock(64, 64), TorchBasicBlock(64), BASIC, mode)


def _bottleneck(mode: str) -> tuple[Fn, Fn]:
    return _pair(resnet.Bottleneck(256, 64), TorchBottleneck(256, 64), BOTTLENECK, mode)


OPS = [
    Op(
        "basic_block",
        "dlnotes.resnet.BasicBlock",
        "nn.Conv2d + nn.BatchNorm2d",
        f"{BASIC} float32, 64→64",
        _basic,
        MODES,
    ),
    Op(
        "bottleneck",
        "dlnotes.resnet.Bottleneck",
        "nn.Conv2d + nn.BatchNorm2d",
        f"{BOTTLENECK} float32, 256→64→256",
        _bottleneck,
        FORWARD,
    ),
]
