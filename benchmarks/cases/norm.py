"""``dlnotes.norm`` against torch at realistic sizes.

Batch, group and instance norm take the activations of a small ResNet stage,
``(N, C, H, W) = (64, 64, 32, 32)`` float32 (4 Mi values, 16 MiB); layer norm takes a BERT-base
batch, ``(32, 128, 768)``. Every side gets its own running buffers and module, built from the
same seeded values. Targets (ours/torch, CPU, same run) are set for batch norm in training:
forward within 1.5x, forward + backward within 2x.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from benchmarks.harness import Case, Fn
from dlnotes import norm

IMAGE = (64, 64, 32, 32)  # (N, C, H, W)
TOKENS = (32, 128, 768)  # (batch, sequence, hidden)
GROUPS = 32
EPS = 1e-5
FORWARD_TARGET = 1.5
FORWARD_BACKWARD_TARGET = 2.0


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


def _running(channels: int) -> tuple[Tensor, Tensor]:
    return torch.zeros(channels), torch.ones(channels)


def _no_grad(fn: Fn) -> Fn:
    return torch.no_grad()(fn)


def _gradients(fn: Fn, inputs: list[Tensor], g: Tensor) -> Fn:
    """Forward, then the gradient of every input (without accumulating into ``.grad``)."""
    return lambda: torch.autograd.grad(fn(), inputs, g)


# ------------------------------------------------------------------------------ batch_norm


def _batch_norm(mode: str) -> tuple[Fn, Fn]:
    training = mode != "eval-forward"
    x, g, w, b = _tensors(IMAGE, IMAGE[1], grad=training)
    (ours_mean, ours_var), (torch_mean, torch_var) = _running(IMAGE[1]), _running(IMAGE[1])
    torch_var.uniform_(0.5, 2.0), ours_var.copy_(torch_var)  # eval: non-trivial statistics

    def ours() -> Tensor:
        return norm.batch_norm(x, ours_mean, ours_var, w, b, training, 0.1, EPS)

    def theirs() -> Tensor:
        return F.batch_norm(x, torch_mean, torch_var, w, b, training, 0.1, EPS)

    if mode == "eval-forward":
        return _no_grad(ours), _no_grad(theirs)
    if mode == "train-forward-backward":
        return _gradients(ours, [x, w, b], g), _gradients(theirs, [x, w, b], g)
    return ours, theirs


def _module(mode: str) -> tuple[Fn, Fn]:
    x, g, _, _ = _tensors(IMAGE, IMAGE[1], grad=mode != "eval-forward")
    theirs = nn.BatchNorm2d(IMAGE[1])
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5), theirs.bias.uniform_(-1, 1)
        theirs.running_var.uniform_(0.5, 2.0)
    ours = norm.BatchNorm2d(IMAGE[1])
    ours.load_state_dict(theirs.state_dict())
    if mode == "eval-forward":
        ours.eval(), theirs.eval()
        return _no_grad(lambda: ours(x)), _no_grad(lambda: theirs(x))
    if mode == "train-forward-backward":
        return (
            _gradients(lambda: ours(x), [x, ours.weight, ours.bias], g),
            _gradients(lambda: theirs(x), [x, theirs.weight, theirs.bias], g),
        )
    return lambda: ours(x), lambda: theirs(x)


def _batch_norm_backward() -> tuple[Fn, Fn]:
    x, g, w, _ = _tensors(IMAGE, IMAGE[1], grad=False)
    _, save_mean, save_invstd = torch.native_batch_norm(x, w, None, None, None, True, 0.1, EPS)

    def theirs() -> tuple[Tensor, Tensor, Tensor]:
        return torch.ops.aten.native_batch_norm_backward(
            g, x, w, None, None, save_mean, save_invstd, True, EPS, [True, True, True]
        )

    return lambda: norm.batch_norm_backward(g, x, w, EPS), theirs


def _fold() -> tuple[Fn, Fn]:
    conv = nn.Conv2d(256, 256, 3, padding=1)  # a ResNet-18 stage-3 convolution
    bn = nn.BatchNorm2d(256).eval()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5), bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2.0)

    def theirs() -> tuple[Tensor, Tensor]:
        return fuse_conv_bn_weights(
            conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
        )

    return lambda: norm.fold_batch_norm(conv.weight, conv.bias, bn), theirs


# ------------------------------------------------------------------ sibling normalizations


def _layer_norm(mode: str) -> tuple[Fn, Fn]:
    x, g, w, b = _tensors(TOKENS, TOKENS[-1], grad=True)
    shape = TOKENS[-1:]
    ours = lambda: norm.layer_norm(x, shape, w, b, EPS)  # noqa: E731
    theirs = lambda: F.layer_norm(x, shape, w, b, EPS)  # noqa: E731
    if mode == "train-forward-backward":
        return _gradients(ours, [x, w, b], g), _gradients(theirs, [x, w, b], g)
    return ours, theirs


def _group_norm(mode: str) -> tuple[Fn, Fn]:
    x, g, w, b = _tensors(IMAGE, IMAGE[1], grad=True)
    ours = lambda: norm.group_norm(x, GROUPS, w, b, EPS)  # noqa: E731
    theirs = lambda: F.group_norm(x, GROUPS, w, b, EPS)  # noqa: E731
    if mode == "train-forward-backward":
        return _gradients(ours, [x, w, b], g), _gradients(theirs, [x, w, b], g)
    return ours, theirs


def _instance_norm() -> tuple[Fn, Fn]:
    x, _, w, b = _tensors(IMAGE, IMAGE[1], grad=True)
    return (
        lambda: norm.instance_norm(x, None, None, w, b, True, 0.1, EPS),
        lambda: F.instance_norm(x, None, None, w, b, True, 0.1, EPS),
    )


# ----------------------------------------------------------------------------- registry


def _case(
    op: str, mode: str, ours: str, theirs: str, size: str, setup: Callable[[], tuple[Fn, Fn]], **kw
) -> Case:
    """A case named ``"<op>/<mode>"``."""
    return Case(f"{op}/{mode}", op, mode, ours, theirs, size, setup, **kw)


_TARGETS = {"train-forward": FORWARD_TARGET, "train-forward-backward": FORWARD_BACKWARD_TARGET}
_BN_MODES = ("train-forward", "train-forward-backward", "eval-forward")

CASES = [
    *(
        _case(
            "batch_norm",
            mode,
            "dlnotes.norm.batch_norm",
            "F.batch_norm",
            _size(IMAGE),
            lambda mode=mode: _batch_norm(mode),
            target=_TARGETS.get(mode),
        )
        for mode in _BN_MODES
    ),
    *(
        _case(
            "BatchNorm2d",
            mode,
            "dlnotes.norm.BatchNorm2d",
            "nn.BatchNorm2d",
            _size(IMAGE),
            lambda mode=mode: _module(mode),
            target=_TARGETS.get(mode),
        )
        for mode in _BN_MODES
    ),
    _case(
        "batch_norm_backward",
        "backward",
        "dlnotes.norm.batch_norm_backward",
        "aten.native_batch_norm_backward",
        _size(IMAGE),
        _batch_norm_backward,
    ),
    *(
        _case(
            "layer_norm",
            mode,
            "dlnotes.norm.layer_norm",
            "F.layer_norm",
            _size(TOKENS),
            lambda mode=mode: _layer_norm(mode),
        )
        for mode in _BN_MODES[:2]
    ),
    *(
        _case(
            "group_norm",
            mode,
            "dlnotes.norm.group_norm",
            "F.group_norm",
            f"{IMAGE} float32, G = {GROUPS}",
            lambda mode=mode: _group_norm(mode),
        )
        for mode in _BN_MODES[:2]
    ),
    _case(
        "instance_norm",
        "train-forward",
        "dlnotes.norm.instance_norm",
        "F.instance_norm",
        _size(IMAGE),
        _instance_norm,
    ),
    _case(
        "fold_batch_norm",
        "call",
        "dlnotes.norm.fold_batch_norm",
        "fuse_conv_bn_weights",
        "conv (256, 256, 3, 3) float32",
        _fold,
    ),
]
