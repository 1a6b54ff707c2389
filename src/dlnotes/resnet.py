r"""Residual networks: the blocks of He et al. (2016) and torchvision's ResNet-18/50.

A residual block learns a correction $F(x)$ to its input instead of a whole new mapping:

$$
y = \operatorname{ReLU}\big(F(x) + W_s x\big)
$$

where $W_s$ is the identity when the block keeps the shape. Stacking pre-activation blocks
(He et al., 2016b), which have no ReLU after the addition, unrolls to
$x_L = x_l + \sum_{i=l}^{L-1} F(x_i)$: every block sees the gradient of the last one directly.

What is in this module, top to bottom:

* `ZeroPadShortcut` -- shortcut option "A": parameter-free (subsample, pad channels with zeros).
* `BasicBlock`, `Bottleneck` -- the original (post-activation) blocks with torchvision's
  layer names and "v1.5" stride placement, shortcut options "A"/"B"/"C" and zero-γ init.
* `PreActBlock` -- BN-ReLU-conv twice and a clean identity path (He et al., 2016b).
* `ResNet`, `resnet18`, `resnet50` -- torchvision's architecture: same module and parameter
  names, same `state_dict` keys and shapes, same initialization; `small_input=True` swaps the
  ImageNet stem for a 3×3 stride-1 convolution without max-pooling (8×8 digits, CIFAR).

The plain/residual twins of the ResNet page's experiments (`plain_net`, `residual_net`) and
`gradient_norms` are experiment builders: they live in `dlnotes.experiments.resnet`.

Which layers come from where, and why:

* **Batch normalization** is `dlnotes.norm.BatchNorm2d` by default (`norm_layer=None`): the
  page on Q16 builds it from scratch and proves it equal to `torch.nn.BatchNorm2d`, so a
  reader can follow every operation of a block, and its `state_dict` keys are torch's (a
  torchvision checkpoint loads). Any BN-like class can be passed as `norm_layer` (the
  experiments' twins pass `torch.nn.BatchNorm2d`, whose fused kernel is faster).
* **Convolutions** are `torch.nn.Conv2d` everywhere: they dominate the run time, and how a
  convolution works is the subject of another page (Q17), not of this one.
* ReLU is `nn.ReLU()` *without* `inplace=True` (torchvision uses it to save memory): the module
  tree and the `state_dict` are the same, and forward hooks see activations unchanged.

PyTorch/torchvision conventions that differ from the paper (we implement torchvision's):

* `Bottleneck` puts the stride-2 on the 3×3 convolution ("ResNet v1.5"); the paper puts it on
  the first 1×1, which skips three quarters of the input's positions.
* `ResNet` uses shortcut "B" (projection only where the shape changes) at every stage.

Examples:
    >>> import torch
    >>> from dlnotes.resnet import BasicBlock, resnet18
    >>> block = BasicBlock(64, 128, stride=2)
    >>> block(torch.randn(2, 64, 8, 8)).shape
    torch.Size([2, 128, 4, 4])
    >>> sum(p.numel() for p in resnet18().parameters())
    11689512
"""

__doc_zh__ = """
残差网络（ResNet）：He 等人 2016 年提出的基本块（BasicBlock）、瓶颈块（Bottleneck）和预激活块
（PreActBlock），三种捷径连接方式 A/B/C，以及与 torchvision 结构、参数名、`state_dict` 完全一致的
ResNet-18/50。实验用的普通/残差双胞胎网络（`plain_net`、`residual_net`）和 `gradient_norms`
在 `dlnotes.experiments.resnet` 里。
"""

from collections.abc import Callable, Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlnotes import _validation as _v
from dlnotes.norm import BatchNorm2d as _BatchNorm2d
from dlnotes.norm import _BatchNorm

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "NormLayer",
    "PreActBlock",
    "ResNet",
    "Shortcut",
    "ZeroPadShortcut",
    "conv1x1",
    "conv3x3",
    "resnet18",
    "resnet50",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


Shortcut = Literal["A", "B", "C"] | None
NormLayer = Callable[[int], nn.Module]
_SHORTCUTS = ("A", "B", "C", None)
# the normalization layers whose weight/bias torchvision's init resets to 1/0: torch's batch
# norms (each public subclass of its private _BatchNorm base), GroupNorm, and ours
_NORMS = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.LazyBatchNorm1d,
    nn.LazyBatchNorm2d,
    nn.LazyBatchNorm3d,
    nn.SyncBatchNorm,
    nn.GroupNorm,
    _BatchNorm,
)


# ----------------------------------------------------------------------------- helpers


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3×3 convolution, padding 1, no bias (BN's β takes its place): torchvision's `conv3x3`."""
    _check_channels(in_channels, out_channels, stride, "out_channels")
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1×1 convolution, no bias: torchvision's `conv1x1`."""
    _check_channels(in_channels, out_channels, stride, "out_channels")
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


def _check_channels(in_channels: int, out_channels: int, stride: int, out_name: str) -> None:
    _v.check_int(in_channels, "in_channels", minimum=1)
    _v.check_int(out_channels, out_name, minimum=1)
    _v.check_int(stride, "stride", minimum=1)


def _check_norm_layer(norm_layer: NormLayer | None) -> NormLayer:
    if norm_layer is None:
        return _BatchNorm2d
    if not callable(norm_layer):
        raise TypeError(
            f"norm_layer must be a callable num_features -> nn.Module (e.g. nn.BatchNorm2d) "
            f"or None, got {type(norm_layer).__name__} {norm_layer!r}"
        )
    return norm_layer


def _check_input(input: Tensor, in_channels: int, owner: nn.Module, name: str = "input") -> None:
    """(N, C_in, H, W), floating point, with the dtype of `owner`'s parameters.

    ``name`` is the argument's name in ``forward``: ``x`` in the blocks, as in torchvision.
    """
    expected = f"(N, C_in={in_channels}, H, W)"
    _v.check_tensor(input, name, expected, dims=(4,))
    if input.shape[1] != in_channels:
        raise ValueError(
            f"{name} must have shape {expected} for {type(owner).__name__}, "
            f"got shape {tuple(input.shape)}"
        )
    weight = next(owner.parameters(), None)
    if weight is not None and input.dtype != weight.dtype:
        raise TypeError(
            f"{name} has dtype {input.dtype} but {type(owner).__name__}'s parameters have "
            f"dtype {weight.dtype}; convert one of them with .to(dtype)"
        )


def _zero_init(norm: nn.Module, name: str) -> None:
    """γ ← 0 of the branch's last normalization layer."""
    weight = getattr(norm, "weight", None)
    if not isinstance(weight, Tensor):
        raise ValueError(
            f"zero_init_residual=True needs a norm layer with a weight γ as {name}, got "
            f"{type(norm).__name__} without one"
        )
    with torch.no_grad():
        weight.zero_()


def _make_shortcut(
    shortcut: Shortcut,
    in_channels: int,
    out_channels: int,
    stride: int,
    norm_layer: NormLayer,
    out_name: str = "out_channels",
) -> nn.Module | None:
    """`downsample` of a post-activation block: None (identity), option A, or a projection."""
    _v.check_choice(shortcut, "shortcut", _SHORTCUTS)
    if shortcut == "A" and out_channels < in_channels:
        raise ValueError(
            f'shortcut "A" pads channels with zeros and cannot remove any: the block\'s '
            f"{out_name} must be >= in_channels = {in_channels}, got {out_channels} "
            f'(use shortcut "B" or "C", a 1×1 projection)'
        )
    same_shape = stride == 1 and in_channels == out_channels
    if shortcut is None or (shortcut in ("A", "B") and same_shape):
        return None
    if shortcut == "A":
        return ZeroPadShortcut(in_channels, out_channels, stride)
    # "B" where the shape changes, "C" always: W_s = BN ∘ conv1x1 (torchvision's downsample)
    return nn.Sequential(conv1x1(in_channels, out_channels, stride), norm_layer(out_channels))


# ---------------------------------------------------------------------------- shortcuts


class ZeroPadShortcut(nn.Module):
    """Shortcut option "A" of He et al. (2016): the identity, made to fit, with no parameters.

    Keeps every `stride`-th row and column (the positions a stride-`s` 3×3 convolution with
    padding 1 is centred on) and appends `out_channels - in_channels` all-zero channels after
    the input's channels, so channel `c < in_channels` of the output is channel `c` of the
    input. (Some CIFAR reimplementations split the zero channels on both sides instead; any
    fixed placement is equivalent for training.)

    Args:
        in_channels: C_in.
        out_channels: C_out >= C_in (zeros can add channels, never remove them).
        stride: Subsampling step s of both spatial dims.

    Examples:
        >>> import torch
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> ZeroPadShortcut(1, 2, stride=2)(x)
        tensor([[[[ 0.,  2.],
                  [ 8., 10.]],
        <BLANKLINE>
                 [[ 0.,  0.],
                  [ 0.,  0.]]]])
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        _check_channels(in_channels, out_channels, stride, "out_channels")
        if out_channels < in_channels:
            raise ValueError(
                f'shortcut "A" pads channels with zeros and cannot remove any: out_channels '
                f"must be >= in_channels = {in_channels}, got {out_channels} "
                f'(use shortcut "B" or "C", a 1×1 projection)'
            )
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"

    def forward(self, input: Tensor) -> Tensor:
        """Subsample then zero-pad `(N, C_in, H, W)` to `(N, C_out, ⌈H/s⌉, ⌈W/s⌉)`."""
        _check_input(input, self.in_channels, self)
        s = self.stride
        x = input[:, :, ::s, ::s]  # (N, C_in, ⌈H/s⌉, ⌈W/s⌉)
        # F.pad takes (before, after) pairs from the last dim back: W, then H, then C
        # (N, C_in, H', W') -> (N, C_out, H', W'): zeros after the input's channels
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))


# ------------------------------------------------------------------------------ blocks


class BasicBlock(nn.Module):
    """The two-layer residual block of ResNet-18/34 (He et al., 2016, Fig. 2 and 5 left).

    `y = ReLU(BN₂(conv₂(ReLU(BN₁(conv₁(x))))) + W_s x)`, with the ReLU *after* the addition.
    Module names follow torchvision: `conv1`, `bn1`, `relu`, `conv2`, `bn2`, `downsample`.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        stride: Stride of `conv1` (and of the shortcut); the output is `⌈H/s⌉ × ⌈W/s⌉`.
        shortcut: How `x` reaches the addition (He et al. §3.3 and Table 3):
            "A" identity, or zero-padding plus subsampling where the shape changes (no
            parameters); "B" identity, or a 1×1 projection + BN where the shape changes
            (torchvision's choice); "C" a 1×1 projection + BN always; None no shortcut at
            all, the "plain" baseline `y = ReLU(F(x))`.
        zero_init_residual: Set γ of `bn2` to 0, so that `F(x) = 0` and, with an identity
            shortcut, the block starts as `ReLU(x)` (Goyal et al., 2017).
        norm_layer: Keyword-only, as in torchvision: builds each normalization layer from its
            number of channels. None means `dlnotes.norm.BatchNorm2d`.

    Raises:
        ValueError: A non-positive size or stride, an unknown shortcut, shortcut "A" with
            fewer output than input channels, or zero-γ without a γ.

    Examples:
        >>> import torch
        >>> block = BasicBlock(16, 16, zero_init_residual=True)
        >>> x = torch.randn(4, 16, 8, 8)
        >>> torch.equal(block(x), torch.relu(x))
        True
        >>> [name for name, _ in block.named_children()]
        ['conv1', 'bn1', 'relu', 'conv2', 'bn2']
    """

    expansion = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        shortcut: Shortcut = "B",
        zero_init_residual: bool = False,
        *,
        norm_layer: NormLayer | None = None,
    ) -> None:
        super().__init__()
        _check_channels(in_channels, out_channels, stride, "out_channels")
        _v.check_bool(zero_init_residual, "zero_init_residual")
        norm_layer = _check_norm_layer(norm_layer)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.shortcut, self.zero_init_residual = shortcut, zero_init_residual
        # registration order = torchvision's = state_dict order
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = norm_layer(out_channels)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = norm_layer(out_channels)
        self.downsample = _make_shortcut(shortcut, in_channels, out_channels, stride, norm_layer)
        if zero_init_residual:
            self.zero_init_last_norm_()

    def zero_init_last_norm_(self) -> None:
        """γ ← 0 in `bn2`, the last layer of the residual branch (in place)."""
        if self.shortcut is None:
            raise ValueError(
                "zero_init_residual=True needs a shortcut: with shortcut=None the block "
                "would output ReLU(0) = 0 for every input"
            )
        _zero_init(self.bn2, "bn2")

    def forward(self, x: Tensor) -> Tensor:
        """`(N, C_in, H, W)` → `(N, C_out, ⌈H/s⌉, ⌈W/s⌉)`."""
        _check_input(x, self.in_channels, self, "x")
        # F(x) = BN₂(conv₂(ReLU(BN₁(conv₁ x))))
        out = self.relu(self.bn1(self.conv1(x)))  # (N, C_out, ⌈H/s⌉, ⌈W/s⌉)
        out = self.bn2(self.conv2(out))  # (N, C_out, ⌈H/s⌉, ⌈W/s⌉)
        if self.shortcut is None:
            # plain block: y = ReLU(F(x))
            y: Tensor = self.relu(out)
            return y
        identity = x if self.downsample is None else self.downsample(x)  # W_s x, same shape
        # y = ReLU(F(x) + W_s x)
        y = self.relu(out + identity)
        return y


class Bottleneck(nn.Module):
    """The three-layer block of ResNet-50/101/152 (He et al., 2016, Fig. 5 right), v1.5.

    1×1 conv reduces `in_channels` to `width`, a 3×3 conv works at `width` (and carries the
    stride, as in torchvision: "ResNet v1.5"), a 1×1 conv expands to `4 × width`; BN after
    each, ReLU after the first two and after the addition. The 1×1 layers are what make the
    3×3 cheap: at 256 channels the block has 69,632 conv weights, where two 3×3 convolutions at
    256 channels would have 1,179,648.

    Args:
        in_channels: C_in.
        width: Channels of the inner 3×3 conv (torchvision's `planes`); the block outputs
            `4 * width` channels (`expansion = 4`).
        stride: Stride of `conv2` (the 3×3) and of the shortcut.
        shortcut: "A", "B", "C" or None, as in `BasicBlock`.
        zero_init_residual: Set γ of `bn3` to 0 (the block starts as `ReLU(W_s x)`).
        norm_layer: Keyword-only; None means `dlnotes.norm.BatchNorm2d`.

    Raises:
        ValueError: As `BasicBlock`.

    Examples:
        >>> import torch
        >>> block = Bottleneck(256, 64)
        >>> block(torch.randn(2, 256, 4, 4)).shape
        torch.Size([2, 256, 4, 4])
        >>> sum(p.numel() for p in block.parameters())
        70400
    """

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        width: int,
        stride: int = 1,
        shortcut: Shortcut = "B",
        zero_init_residual: bool = False,
        *,
        norm_layer: NormLayer | None = None,
    ) -> None:
        super().__init__()
        _check_channels(in_channels, width, stride, "width")
        _v.check_bool(zero_init_residual, "zero_init_residual")
        norm_layer = _check_norm_layer(norm_layer)
        out_channels = width * self.expansion
        self.in_channels, self.width, self.out_channels = in_channels, width, out_channels
        self.stride, self.shortcut, self.zero_init_residual = stride, shortcut, zero_init_residual
        self.conv1 = conv1x1(in_channels, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, out_channels)
        self.bn3 = norm_layer(out_channels)
        self.relu = nn.ReLU()
        self.downsample = _make_shortcut(
            shortcut, in_channels, out_channels, stride, norm_layer, "out_channels = 4 × width"
        )
        if zero_init_residual:
            self.zero_init_last_norm_()

    def zero_init_last_norm_(self) -> None:
        """γ ← 0 in `bn3`, the last layer of the residual branch (in place)."""
        if self.shortcut is None:
            raise ValueError(
                "zero_init_residual=True needs a shortcut: with shortcut=None the block "
                "would output ReLU(0) = 0 for every input"
            )
        _zero_init(self.bn3, "bn3")

    def forward(self, x: Tensor) -> Tensor:
        """`(N, C_in, H, W)` → `(N, 4·width, ⌈H/s⌉, ⌈W/s⌉)`."""
        _check_input(x, self.in_channels, self, "x")
        out = self.relu(self.bn1(self.conv1(x)))  # 1×1 reduce: (N, width, H, W)
        out = self.relu(self.bn2(self.conv2(out)))  # 3×3, stride s: (N, width, ⌈H/s⌉, ⌈W/s⌉)
        out = self.bn3(self.conv3(out))  # 1×1 expand: (N, 4·width, ⌈H/s⌉, ⌈W/s⌉)
        if self.shortcut is None:
            y: Tensor = self.relu(out)  # y = ReLU(F(x))
            return y
        identity = x if self.downsample is None else self.downsample(x)
        # y = ReLU(F(x) + W_s x)
        y = self.relu(out + identity)
        return y


class PreActBlock(nn.Module):
    """The full pre-activation block of He et al. (2016b, Fig. 1b and 4e).

    BN and ReLU move *before* each convolution and nothing follows the addition:
    `x_{l+1} = x_l + conv₂(ReLU(BN₂(conv₁(ReLU(BN₁(x_l))))))`. With identity shortcuts the
    blocks unroll to `x_L = x_l + Σ_{i=l}^{L−1} F(x_i)`, so `∂loss/∂x_l` contains
    `∂loss/∂x_L` unchanged: no layer can scale the gradient away on the shortcut path.

    Where the shape changes, the shortcut is a 1×1 projection (no BN) applied to the
    *pre-activated* input `ReLU(BN₁(x))`, as in the authors' code; elsewhere it is the identity.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        stride: Stride of `conv1` and of the projection.
        zero_init_residual: Set γ of `bn2` to 0: then `F(x) = conv₂(ReLU(0)) = 0` and a block
            with an identity shortcut starts as exactly `x` (no ReLU after the addition, so this
            holds for inputs of either sign).
        norm_layer: Keyword-only; None means `dlnotes.norm.BatchNorm2d`.

    Examples:
        >>> import torch
        >>> block = PreActBlock(8, 8, zero_init_residual=True)
        >>> x = torch.randn(2, 8, 5, 5)
        >>> torch.equal(block(x), x)
        True
        >>> PreActBlock(8, 16, stride=2)(x).shape
        torch.Size([2, 16, 3, 3])
    """

    expansion = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        zero_init_residual: bool = False,
        *,
        norm_layer: NormLayer | None = None,
    ) -> None:
        super().__init__()
        _check_channels(in_channels, out_channels, stride, "out_channels")
        _v.check_bool(zero_init_residual, "zero_init_residual")
        norm_layer = _check_norm_layer(norm_layer)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.zero_init_residual = zero_init_residual
        self.bn1 = norm_layer(in_channels)
        self.relu = nn.ReLU()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn2 = norm_layer(out_channels)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(conv1x1(in_channels, out_channels, stride))
        if zero_init_residual:
            self.zero_init_last_norm_()

    def zero_init_last_norm_(self) -> None:
        """γ ← 0 in `bn2`, the last normalization of the residual branch (in place)."""
        _zero_init(self.bn2, "bn2")

    def forward(self, x: Tensor) -> Tensor:
        """`(N, C_in, H, W)` → `(N, C_out, ⌈H/s⌉, ⌈W/s⌉)`."""
        _check_input(x, self.in_channels, self, "x")
        pre = self.relu(self.bn1(x))  # (N, C_in, H, W)
        identity = x if self.downsample is None else self.downsample(pre)  # (N, C_out, H', W')
        # F(x) = conv₂(ReLU(BN₂(conv₁(ReLU(BN₁ x)))))
        out: Tensor = self.conv1(pre)  # (N, C_out, ⌈H/s⌉, ⌈W/s⌉)
        out = self.conv2(self.relu(self.bn2(out)))  # (N, C_out, ⌈H/s⌉, ⌈W/s⌉)
        # x_{l+1} = x_l + F(x_l): no ReLU after the addition, so over blocks l..L−1
        # x_L = x_l + Σ_{i=l}^{L−1} F(x_i)
        return out + identity


# ---------------------------------------------------------------------------- networks


class ResNet(nn.Module):
    """torchvision's `ResNet`: a stem, stages of residual blocks, global pooling, a classifier.

    Stage `i` (module `layer{i+1}`) has `layers[i]` blocks of `widths[i]` channels (times the
    block's `expansion`); its first block has stride 2 (except in the first stage) and, where
    the shape changes, the shortcut chosen by `shortcut`. Initialization as torchvision:
    `kaiming_normal_(mode="fan_out", nonlinearity="relu")` for every convolution, γ = 1 and
    β = 0 for every normalization layer, `nn.Linear`'s default for `fc`; with
    `zero_init_residual`, the last γ of every block is then set to 0.

    Args:
        block: The class `BasicBlock` or `Bottleneck`.
        layers: Number of blocks per stage, e.g. `(2, 2, 2, 2)` for ResNet-18.
        num_classes: Outputs of `fc`.
        zero_init_residual: Zero the last γ of every block.
        widths: Keyword-only: channels per stage (before the expansion); the stem has
            `widths[0]` channels. torchvision's `(64, 128, 256, 512)` by default.
        in_channels: Keyword-only: channels of the input image.
        small_input: Keyword-only: replace the ImageNet stem (7×7 conv stride 2, 3×3 max-pool
            stride 2: 224 px → 56 px) by a 3×3 conv with stride 1 and no pooling
            (`maxpool` becomes `nn.Identity`), for 8×8 digits or 32×32 CIFAR images.
        shortcut: Keyword-only: "A", "B" (torchvision), "C" or None, for every block.
        norm_layer: Keyword-only; None means `dlnotes.norm.BatchNorm2d`.

    Examples:
        >>> import torch
        >>> net = ResNet(BasicBlock, [1, 1], num_classes=10, widths=(8, 16), in_channels=1,
        ...              small_input=True)
        >>> net(torch.randn(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> [name for name, _ in net.named_children()]
        ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'avgpool', 'fc']
    """

    def __init__(
        self,
        block: type[nn.Module],
        layers: Sequence[int],
        num_classes: int = 1000,
        zero_init_residual: bool = False,
        *,
        widths: Sequence[int] = (64, 128, 256, 512),
        in_channels: int = 3,
        small_input: bool = False,
        shortcut: Shortcut = "B",
        norm_layer: NormLayer | None = None,
    ) -> None:
        super().__init__()
        # `block` is annotated type[nn.Module], not type[BasicBlock] | type[Bottleneck]: the API
        # page links annotations, and a class of this module has one anchor per language there
        # (mkdocs-autorefs rejects such an ambiguous link in strict mode).
        if block not in (BasicBlock, Bottleneck):
            raise TypeError(f"block must be BasicBlock or Bottleneck, got {block!r}")
        layers, widths = self._check_stages(layers, widths)
        _v.check_int(num_classes, "num_classes", minimum=1)
        _v.check_int(in_channels, "in_channels", minimum=1)
        _v.check_bool(zero_init_residual, "zero_init_residual")
        _v.check_bool(small_input, "small_input")
        _v.check_choice(shortcut, "shortcut", _SHORTCUTS)
        norm_layer = _check_norm_layer(norm_layer)
        self.in_channels, self.num_stages = in_channels, len(layers)

        stem = widths[0]
        if small_input:
            self.conv1 = nn.Conv2d(in_channels, stem, 3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, stem, 7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(stem)
        self.relu = nn.ReLU()
        self.maxpool = nn.Identity() if small_input else nn.MaxPool2d(3, stride=2, padding=1)
        channels = stem
        for i, (blocks, width) in enumerate(zip(layers, widths, strict=True)):
            stride = 1 if i == 0 else 2
            stage = []
            for j in range(blocks):
                stage.append(
                    block(
                        channels,
                        width,
                        stride if j == 0 else 1,
                        shortcut,
                        zero_init_residual,
                        norm_layer=norm_layer,
                    )
                )
                channels = width * block.expansion
            self.add_module(f"layer{i + 1}", nn.Sequential(*stage))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                # W ~ N(0, 2 / fan_out), fan_out = C_out · k · k  (He et al., 2015)
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, _NORMS) and m.weight is not None:
                nn.init.constant_(m.weight, 1)
                if m.bias is not None:  # our batch norms take bias=False, as torch's do
                    nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, (BasicBlock, Bottleneck)):
                    m.zero_init_last_norm_()

    @staticmethod
    def _check_stages(layers: Sequence[int], widths: Sequence[int]) -> tuple[list[int], list[int]]:
        for name, value in (("layers", layers), ("widths", widths)):
            if not isinstance(value, (list, tuple)):
                raise TypeError(
                    f"{name} must be a list or tuple of ints, got {type(value).__name__} {value!r}"
                )
        if not layers or len(layers) != len(widths):
            raise ValueError(
                f"layers and widths must have one entry per stage (at least one), "
                f"got layers={tuple(layers)} and widths={tuple(widths)}"
            )
        return (
            [_v.check_int(n, f"layers[{i}]", minimum=1) for i, n in enumerate(layers)],
            [_v.check_int(w, f"widths[{i}]", minimum=1) for i, w in enumerate(widths)],
        )

    def stages(self) -> list[nn.Sequential]:
        """`[layer1, layer2, ...]` in depth order."""
        return [getattr(self, f"layer{i + 1}") for i in range(self.num_stages)]

    def forward(self, x: Tensor) -> Tensor:
        """`(N, C_in, H, W)` images → `(N, num_classes)` logits."""
        _check_input(x, self.in_channels, self, "x")
        # stem: (N, widths[0], H/4, W/4); (N, widths[0], H, W) with small_input
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in self.stages():
            x = stage(x)  # (N, C_i, ...), halved in H and W from the second stage on
        x = torch.flatten(self.avgpool(x), 1)  # global average pool: (N, C_last)
        logits: Tensor = self.fc(x)  # (N, num_classes)
        return logits


def resnet18(
    num_classes: int = 1000,
    zero_init_residual: bool = False,
    *,
    in_channels: int = 3,
    small_input: bool = False,
    shortcut: Shortcut = "B",
    norm_layer: NormLayer | None = None,
) -> ResNet:
    """ResNet-18 as torchvision builds it: `BasicBlock`, stages of `(2, 2, 2, 2)`.

    11,689,512 parameters with the defaults; the `state_dict` has torchvision's keys and shapes.

    Args:
        num_classes: Outputs of `fc`.
        zero_init_residual: Zero γ of every block's `bn2`.
        in_channels: Keyword-only: input channels (changes `conv1.weight`'s shape).
        small_input: Keyword-only: 3×3 stride-1 stem, no max-pool (see `ResNet`).
        shortcut: Keyword-only: shortcut option of every block.
        norm_layer: Keyword-only; None means `dlnotes.norm.BatchNorm2d`.

    Examples:
        >>> import torch
        >>> net = resnet18(num_classes=10, in_channels=1, small_input=True)
        >>> net(torch.randn(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> tuple(net.state_dict()["layer2.0.downsample.0.weight"].shape)
        (128, 64, 1, 1)
    """
    return ResNet(
        BasicBlock,
        (2, 2, 2, 2),
        num_classes,
        zero_init_residual,
        in_channels=in_channels,
        small_input=small_input,
        shortcut=shortcut,
        norm_layer=norm_layer,
    )


def resnet50(
    num_classes: int = 1000,
    zero_init_residual: bool = False,
    *,
    in_channels: int = 3,
    small_input: bool = False,
    shortcut: Shortcut = "B",
    norm_layer: NormLayer | None = None,
) -> ResNet:
    """ResNet-50 (v1.5) as torchvision builds it: `Bottleneck`, stages of `(3, 4, 6, 3)`.

    25,557,032 parameters with the defaults; arguments as `resnet18`.

    Examples:
        >>> net = resnet50()
        >>> sum(p.numel() for p in net.parameters())
        25557032
        >>> net.layer2[0].conv2.stride  # v1.5: the stride sits on the 3×3
        (2, 2)
    """
    return ResNet(
        Bottleneck,
        (3, 4, 6, 3),
        num_classes,
        zero_init_residual,
        in_channels=in_channels,
        small_input=small_input,
        shortcut=shortcut,
        norm_layer=norm_layer,
    )
