"""``dlnotes.optim`` against ``torch.optim``: one optimizer step over a ResNet-18's parameters.

The parameter list has ResNet-18's 62 tensors (11,689,512 float32 values: convolutions, the
BatchNorm scales and shifts, the 1000-class head), seeded values and gradients, the same on
both sides. torch runs its default implementation on the CPU (the per-tensor loop); our SGD
loops over the parameters the same way, our Adam is written with ``torch._foreach_*`` ops.
Targets (ours/torch, same run): within 1.5x for SGD with momentum and for Adam.
"""

from __future__ import annotations

import torch
from torch import Tensor

from benchmarks.harness import Fn, Op
from dlnotes import optim


def resnet18_shapes() -> list[tuple[int, ...]]:
    """The shapes of torchvision's ``resnet18()`` parameters, in order (62 tensors)."""
    shapes: list[tuple[int, ...]] = [(64, 3, 7, 7), (64,), (64,)]
    c_in = 64
    for c_out, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            shapes += [(c_out, c_in, 3, 3), (c_out,), (c_out,), (c_out, c_out, 3, 3)]
            shapes += [(c_out,), (c_out,)]
            if block == 0 and (stride != 1 or c_in != c_out):
                shapes += [(c_out, c_in, 1, 1), (c_out,), (c_out,)]  # downsample
            c_in = c_out
    return [*shapes, (1000, 512), (1000,)]


def _params() -> list[Tensor]:
    gen = torch.Generator().manual_seed(0)
    params = []
    for shape in resnet18_shapes():
        p = torch.nn.Parameter(torch.randn(shape, generator=gen) * 0.05)
        p.grad = torch.randn(shape, generator=gen) * 0.01
        params.append(p)
    return params


def _stepper(make: object) -> Fn:
    params = _params()
    opt = make(params)  # type: ignore[operator]

    def step() -> Tensor:
        opt.step()
        return params[-1]

    return step


def _sgd(mode: str) -> tuple[Fn, Fn]:
    return (
        _stepper(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-4)),
        _stepper(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-4)),
    )


def _adam(mode: str) -> tuple[Fn, Fn]:
    return (
        _stepper(lambda p: optim.Adam(p, lr=1e-3)),
        _stepper(lambda p: torch.optim.Adam(p, lr=1e-3)),
    )


SIZE = "ResNet-18 parameters: 62 tensors, 11.7 M float32"
assert sum(torch.Size(s).numel() for s in resnet18_shapes()) == 11_689_512
assert len(resnet18_shapes()) == 62

OPS = [
    Op("SGD-momentum", "dlnotes.optim.SGD", "torch.optim.SGD", SIZE, _sgd, {"call": 1.5}),
    Op("Adam", "dlnotes.optim.Adam", "torch.optim.Adam", SIZE, _adam, {"call": 1.5}),
]
