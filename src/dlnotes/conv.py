r"""Convolution and pooling from scratch, checked against PyTorch.

A convolution layer slides a small filter over the image and, at every position, takes the dot
product of the filter with the patch under it. Written out (stride $s$, dilation $d$):

$$
\text{out}[n, o, y, x] = b[o] + \sum_{c, i, j} w[o, c, i, j] \, \text{in}[n, c, sy + di, sx + dj]
$$

Every patch is independent, so the whole layer is one matrix product: copy each patch into a
column (*im2col*, `unfold`), then multiply the `(C_out, C_in·kH·kW)` filter matrix by the
`(C_in·kH·kW, H_out·W_out)` patch matrix. That is how `conv2d` below works; `conv2d_naive` is
the seven nested loops it replaces, kept as the slow reference.

What is in this module, top to bottom:

* `conv_output_size`, `receptive_field`, `conv_param_count` -- the interview formulas.
* `unfold` -- im2col, same semantics as `torch.nn.functional.unfold`.
* `conv2d` -- same semantics as `torch.nn.functional.conv2d` (im2col + one matrix multiply).
* `conv2d_naive` -- the nested-loop definition; slow on purpose.
* `max_pool2d`, `avg_pool2d` -- same semantics as their `torch.nn.functional` namesakes.
* `Conv2d`, `MaxPool2d`, `AvgPool2d` -- modules with torch's constructor, attributes,
  `state_dict` keys, default initialization and `repr`.

Where PyTorch differs from the textbook (we implement PyTorch's):

* `conv2d` computes **cross-correlation**: the kernel is not flipped. The textbook (signal
  processing) convolution is `conv2d(x, w.flip(-2, -1))`. With learned kernels this makes no
  difference: the network simply learns the flipped kernel.
* `padding='same'` with an even effective kernel $d(k - 1) + 1$ pads **asymmetrically**: the
  extra zero goes on the right/bottom ($\lfloor d(k-1)/2 \rfloor$ left, the rest right).
  `'same'` is refused for stride > 1.
* Pooling's `stride` defaults to `kernel_size` (not 1), and padding may be at most half the
  kernel.
* `max_pool2d` pads with $-\infty$; `return_indices` gives flat indices into each `H·W` input
  plane (not into the padded input, not into the window). Among equal maxima the first in
  row-major window order wins.
* With `ceil_mode=True` the output grows by one where the last window would only partly fit,
  but a window must *start* inside the input or the left padding; otherwise it is dropped.
* `avg_pool2d(count_include_pad=True)` divides by the number of input *and padding* cells under
  the window, but not the cells of a `ceil_mode` window that hang past the padding.
* Weights are initialized with `kaiming_uniform_(a=√5)`, i.e. $U(-1/\sqrt{\text{fan\_in}},
  1/\sqrt{\text{fan\_in}})$, not He's $\mathcal{N}(0, 2/\text{fan\_in})$.

Examples:
    >>> import torch
    >>> import torch.nn.functional as F
    >>> from dlnotes.conv import conv2d, conv_output_size, unfold
    >>> x, w = torch.randn(2, 3, 8, 8), torch.randn(4, 3, 3, 3)
    >>> torch.allclose(conv2d(x, w, padding=1), F.conv2d(x, w, padding=1), atol=1e-5)
    True
    >>> unfold(x, 3).shape  # (N, C·kH·kW, H_out·W_out): one column per output pixel
    torch.Size([2, 27, 36])
    >>> conv_output_size(224, 7, stride=2, padding=3)
    112
"""

__doc_zh__ = """
从零实现的卷积层与池化层，逐项与 PyTorch 对齐。`conv2d` 先用 im2col（`unfold`）把每个窗口展开成
一列，再做一次矩阵乘法，语义与 `torch.nn.functional.conv2d` 完全一致（步幅、填充含 `'same'`、
空洞、分组与深度可分离卷积）；
`conv2d_naive` 是七重循环的慢速对照版，用来说明为什么要 im2col。`max_pool2d`、`avg_pool2d`
连 `ceil_mode`、`count_include_pad`、最大值下标这些细节都与 PyTorch 对齐。`Conv2d` 的参数名、
形状、默认初始化和 `state_dict` 键与 PyTorch 相同。另有输出尺寸、感受野、参数量三个面试常考公式。
注意：框架里的“卷积”其实是互相关，不翻转卷积核。
"""

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlnotes import _validation as _v

__all__ = [
    "AvgPool2d",
    "Conv2d",
    "MaxPool2d",
    "avg_pool2d",
    "conv2d",
    "conv2d_naive",
    "conv_output_size",
    "conv_param_count",
    "max_pool2d",
    "receptive_field",
    "unfold",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


_IMAGE = "(N, C, H, W) or (C, H, W)"
_IntPair = int | tuple[int, int]
_COLS_BYTES = 32 * 2**20  # im2col working set per matrix multiply (bytes)


# ----------------------------------------------------------------------------- formulas


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution along one axis.

    Args:
        size: Input length (H or W).
        kernel_size: Kernel length k.
        stride: Step s between windows.
        padding: Zeros p added on *each* side.
        dilation: Spacing d between kernel taps (effective kernel d(k − 1) + 1).

    Returns:
        ⌊(size + 2p − d(k − 1) − 1) / s⌋ + 1.

    Raises:
        TypeError: an argument is not an int.
        ValueError: a non-positive size, kernel, stride or dilation, negative padding, or an
            output that would be empty (the effective kernel is longer than the padded input).

    Examples:
        >>> conv_output_size(32, 3, padding=1)  # 'same' for odd k and stride 1
        32
        >>> conv_output_size(5, 2, stride=2)  # the last input row is never read
        2
    """
    size = _v.check_int(size, "size", minimum=1)
    k = _v.check_int(kernel_size, "kernel_size", minimum=1)
    s = _v.check_int(stride, "stride", minimum=1)
    p = _v.check_int(padding, "padding", minimum=0)
    d = _v.check_int(dilation, "dilation", minimum=1)
    _check_fits(size + 2 * p, k, d, "size")
    # out = ⌊(size + 2p − d(k − 1) − 1) / s⌋ + 1
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def receptive_field(layers: Sequence[Sequence[int]]) -> int:
    """Receptive field of a stack's output, in input pixels along one axis.

    Each layer is `(kernel_size, stride)` or `(kernel_size, stride, dilation)`; pooling layers
    count like convolutions. Padding does not change the receptive field.

    Args:
        layers: The stack, input side first.

    Returns:
        r = 1 + Σₗ (kₗ − 1)·dₗ·∏_{i<l} sᵢ (1 for an empty stack).

    Raises:
        TypeError: `layers` is not a sequence of tuples of ints.
        ValueError: a layer has not 2 or 3 entries, or a non-positive entry.

    Examples:
        >>> receptive_field([(3, 1), (3, 1)])  # two 3×3 convs see 5×5, with 18C² weights, not 25C²
        5
        >>> # ResNet: 7×7/2 conv, 3×3/2 max-pool, then a basic block's two 3×3 convs
        >>> receptive_field([(7, 2), (3, 2), (3, 1), (3, 1)])
        27
    """
    if not isinstance(layers, Sequence) or isinstance(layers, str):
        raise TypeError(
            f"layers must be a sequence of (kernel_size, stride[, dilation]) tuples, "
            f"got {type(layers).__name__}"
        )
    r, jump = 1, 1  # receptive field so far, and the input distance between adjacent outputs
    for n, layer in enumerate(layers):
        if not isinstance(layer, Sequence) or len(layer) not in (2, 3):
            raise ValueError(
                f"layers[{n}] must be (kernel_size, stride) or "
                f"(kernel_size, stride, dilation), got {layer!r}"
            )
        k, s, d = (*layer, 1) if len(layer) == 2 else layer
        k = _v.check_int(k, f"layers[{n}] kernel_size", minimum=1)
        s = _v.check_int(s, f"layers[{n}] stride", minimum=1)
        d = _v.check_int(d, f"layers[{n}] dilation", minimum=1)
        # r ← r + (k − 1)·d·∏_{i<l} sᵢ
        r += (k - 1) * d * jump
        jump *= s
    return r


def conv_param_count(
    in_channels: int,
    out_channels: int,
    kernel_size: _IntPair,
    groups: int = 1,
    bias: bool = True,
) -> int:
    """Number of parameters of a `Conv2d` layer; independent of the image size.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        kernel_size: k or (kH, kW).
        groups: g; each output channel sees C_in / g input channels.
        bias: Whether there is one bias per output channel.

    Returns:
        C_out · (C_in / g) · kH · kW + (C_out if bias).

    Examples:
        >>> conv_param_count(8, 16, 3, groups=4)
        304
        >>> conv_param_count(64, 64, 3, groups=64) + conv_param_count(64, 128, 1)  # separable
        8960
    """
    c_in, c_out, groups = _check_channels(in_channels, out_channels, groups)
    kh, kw = _v.pair(kernel_size, "kernel_size", minimum=1)
    _v.check_bool(bias, "bias")
    # #params = C_out · (C_in / g) · kH · kW + C_out
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


# ----------------------------------------------------------------------------- checks


def _check_channels(in_channels: Any, out_channels: Any, groups: Any) -> tuple[int, int, int]:
    c_in = _v.check_int(in_channels, "in_channels", minimum=1)
    c_out = _v.check_int(out_channels, "out_channels", minimum=1)
    groups = _v.check_int(groups, "groups", minimum=1)
    if c_in % groups:
        raise ValueError(f"groups={groups} must divide in_channels={c_in}")
    if c_out % groups:
        raise ValueError(f"groups={groups} must divide out_channels={c_out}")
    return c_in, c_out, groups


def _check_fits(padded: int, k: int, d: int, name: str, extra: str = "") -> None:
    """Raise unless an effective kernel d(k − 1) + 1 fits in the padded length."""
    if d * (k - 1) + 1 > padded:
        raise ValueError(
            f"the output would be empty: effective kernel size d(k - 1) + 1 = {d * (k - 1) + 1} "
            f"(kernel_size={k}, dilation={d}) is larger than the padded {name} = {padded}{extra}"
        )


def _check_image(input: Any, name: str = "input") -> tuple[Tensor, bool]:
    """Return `(N, C, H, W)` input and whether it was unbatched `(C, H, W)`."""
    _v.check_tensor(input, name, _IMAGE, dims=(3, 4))
    return (input.unsqueeze(0), True) if input.dim() == 3 else (input, False)


def _padding_arg(padding: Any, name: str = "padding") -> str | tuple[int, int]:
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(
                f"{name} must be 'valid', 'same', an int or a tuple of 2 ints, got {padding!r}"
            )
        return padding
    return _v.pair(padding, name, minimum=0)


def _same_padding(kernel: tuple[int, int], dilation: tuple[int, int]) -> tuple[int, ...]:
    """torch's 'same': total d(k − 1) per axis, ⌊total/2⌋ before, the rest after (F.pad order)."""
    (kh, kw), (dh, dw) = kernel, dilation
    th, tw = dh * (kh - 1), dw * (kw - 1)
    return (tw // 2, tw - tw // 2, th // 2, th - th // 2)  # (left, right, top, bottom)


# ----------------------------------------------------------------------------- im2col


def _slide(t: Tensor, dim: int, out: int, k: int, stride: int, dilation: int) -> Tensor:
    """A view of ``t`` with ``dim`` cut into ``out`` windows of ``k`` taps, appended as a last dim.

    Element ``[..., y, ..., i]`` is ``t[..., s·y + d·i, ...]``: one output step moves s cells, one
    tap moves d cells. Windows overlap and share memory; nothing is copied.
    """
    size, strides = list(t.shape), list(t.stride())
    size[dim], strides[dim] = out, strides[dim] * stride
    return t.as_strided([*size, k], [*strides, t.stride(dim) * dilation])


def _windows(
    x: Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    out: tuple[int, int],
) -> Tensor:
    """Every window of padded `(N, C, H, W)` input as a view `(N, C, H_out, W_out, kH, kW)`.

    Element `[n, c, y, x, i, j]` is `x[n, c, s·y + d·i, s·x + d·j]`.
    """
    rows = _slide(x, 2, out[0], kernel[0], stride[0], dilation[0])  # (N, C, Ho, W, kH)
    return _slide(rows, 3, out[1], kernel[1], stride[1], dilation[1])  # (N, C, Ho, Wo, kH, kW)


def unfold(
    input: Tensor,
    kernel_size: _IntPair,
    dilation: _IntPair = 1,
    padding: _IntPair = 0,
    stride: _IntPair = 1,
) -> Tensor:
    """im2col: every sliding window as a column, same semantics as `torch.nn.functional.unfold`.

    Note torch's argument order: `dilation` comes before `padding` and `stride`.

    Args:
        input: `(N, C, H, W)` or unbatched `(C, H, W)` tensor.
        kernel_size: Window size k or (kH, kW).
        dilation: Spacing between window taps.
        padding: Zeros added on each side of H and W.
        stride: Step between windows.

    Returns:
        `(N, C·kH·kW, L)` (or `(C·kH·kW, L)`), L = H_out·W_out windows in row-major order;
        the rows run over (c, i, j) with j fastest, matching `weight.reshape(C_out, -1)`.

    Raises:
        TypeError: input is not a floating-point tensor, or an argument is not an int.
        ValueError: wrong input shape, non-positive kernel, stride or dilation, negative
            padding, or an empty output.

    Examples:
        >>> import torch
        >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
        >>> unfold(x, 2)[0]  # four 2×2 windows, one per column
        tensor([[0., 1., 3., 4.],
                [1., 2., 4., 5.],
                [3., 4., 6., 7.],
                [4., 5., 7., 8.]])
    """
    x, unbatched = _check_image(input)
    kernel = _v.pair(kernel_size, "kernel_size", minimum=1)
    dil = _v.pair(dilation, "dilation", minimum=1)
    pad = _v.pair(padding, "padding", minimum=0)
    strd = _v.pair(stride, "stride", minimum=1)
    x = _pad(x, (pad[1], pad[1], pad[0], pad[0]), 0.0)  # (N, C, H + 2p, W + 2p)
    out = _out_hw(x, kernel, strd, dil)
    n, c = x.shape[:2]
    # cols[n, (c, i, j), (y, x)] = x[n, c, s·y + d·i, s·x + d·j]
    windows = _windows(x, kernel, strd, dil, out)  # (N, C, Ho, Wo, kH, kW) view
    # (sizes spelled out, not -1: an empty batch has nothing to infer -1 from)
    cols = windows.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1], out[0] * out[1])
    return cols[0] if unbatched else cols


def _pad(x: Tensor, pad: tuple[int, ...], value: float) -> Tensor:
    """F.pad in (left, right, top, bottom) order, skipped when there is nothing to add."""
    return F.pad(x, pad, value=value) if any(pad) else x


def _out_hw(
    x: Tensor, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> tuple[int, int]:
    """(H_out, W_out) of a convolution over already padded `x`; raises if either is empty."""
    hw = tuple(x.shape[-2:])
    for axis, size, k, d in zip(("H", "W"), hw, kernel, dilation, strict=True):
        _check_fits(size, k, d, f"input {axis}", f" (padded input shape {tuple(x.shape)})")
    # out = ⌊(size_padded − d(k − 1) − 1) / s⌋ + 1
    ho, wo = (
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(hw, kernel, stride, dilation, strict=True)
    )
    return ho, wo


# ----------------------------------------------------------------------------- conv2d


def _check_conv_args(
    x: Tensor,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
) -> tuple[tuple[int, int], tuple[int, ...], tuple[int, int], int]:
    """Validate conv2d's arguments; return (stride, F.pad padding, dilation, groups)."""
    _v.check_tensor(weight, "weight", "(C_out, C_in / groups, kH, kW)", dims=(4,))
    groups = _v.check_int(groups, "groups", minimum=1)
    strd = _v.pair(stride, "stride", minimum=1)
    dil = _v.pair(dilation, "dilation", minimum=1)
    pad = _padding_arg(padding)
    c_in, c_out = x.shape[1], weight.shape[0]
    if any(k < 1 for k in weight.shape[2:]):
        raise ValueError(
            f"weight's kernel size (kH, kW) must be positive, got weight shape "
            f"{tuple(weight.shape)}"
        )
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups={groups} must divide both the input channels C = {c_in} and the "
            f"output channels C_out = weight.shape[0] = {c_out}"
        )
    if weight.shape[1] * groups != c_in:
        raise ValueError(
            f"weight must have shape (C_out, C_in / groups, kH, kW) = (*, {c_in // groups}, *, *) "
            f"for input with C_in = {c_in} channels and groups={groups}, got weight shape "
            f"{tuple(weight.shape)} and input shape {tuple(x.shape)}"
        )
    if weight.dtype != x.dtype:
        raise TypeError(f"weight must have input's dtype {x.dtype}, got {weight.dtype}")
    if bias is not None:
        _v.check_tensor(bias, "bias", "(C_out,)")
        if tuple(bias.shape) != (c_out,):
            raise ValueError(
                f"bias must have shape (C_out,) = ({c_out},), got shape {tuple(bias.shape)}"
            )
        if bias.dtype != x.dtype:
            raise TypeError(f"bias must have input's dtype {x.dtype}, got {bias.dtype}")
    kernel = (weight.shape[2], weight.shape[3])
    if pad == "same":
        if strd != (1, 1):
            raise ValueError(f"padding='same' needs stride 1 (as in torch), got stride={strd}")
        f_pad = _same_padding(kernel, dil)
    elif isinstance(pad, str):  # "valid"
        f_pad = (0, 0, 0, 0)
    else:
        f_pad = (pad[1], pad[1], pad[0], pad[0])
    return strd, f_pad, dil, groups


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntPair = 1,
    padding: str | _IntPair = 0,
    dilation: _IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2D cross-correlation, same semantics as `torch.nn.functional.conv2d`, as im2col + matmul.

    The channels split into `groups` independent blocks: output channel o only sees the
    C_in / groups input channels of its block (groups = C_in is a depthwise convolution).

    Args:
        input: `(N, C_in, H, W)` or unbatched `(C_in, H, W)`.
        weight: `(C_out, C_in / groups, kH, kW)` filters.
        bias: `(C_out,)` or None.
        stride: s or (sH, sW).
        padding: p or (pH, pW) zeros on each side; `'valid'` (none) or `'same'` (output size =
            input size; stride 1 only; asymmetric for even effective kernels, extra at the end).
        dilation: d or (dH, dW), spacing between kernel taps.
        groups: Number of channel blocks; must divide C_in and C_out.

    Returns:
        `(N, C_out, H_out, W_out)` (or `(C_out, H_out, W_out)`), H_out = ⌊(H + 2p − d(k − 1) −
        1) / s⌋ + 1.

    Raises:
        TypeError: a non-tensor or non-floating input/weight/bias, mismatched dtypes, or a
            non-int hyperparameter.
        ValueError: wrong shapes, groups not dividing the channels, channel mismatch,
            `'same'` with stride > 1, non-positive stride/dilation/kernel, negative padding,
            or an empty output.

    Examples:
        Frameworks' "convolution" is cross-correlation; the textbook one flips the kernel:

        >>> import torch
        >>> x = torch.tensor([[[[0.0, 1.0, 2.0]]]])  # (1, 1, 1, 3): a ramp
        >>> w = torch.tensor([[[[1.0, 0.0, -1.0]]]])  # (1, 1, 1, 3)
        >>> conv2d(x, w)  # Σⱼ w[j]·x[j] = 0 − 2
        tensor([[[[-2.]]]])
        >>> conv2d(x, w.flip(-2, -1))  # true convolution Σⱼ w[2 − j]·x[j]
        tensor([[[[2.]]]])
    """
    x, unbatched = _check_image(input)
    strd, f_pad, dil, groups = _check_conv_args(x, weight, bias, stride, padding, dilation, groups)
    n = x.shape[0]
    c_out, _, kh, kw = weight.shape
    x = _pad(x, f_pad, 0.0)  # (N, C_in, H + pads, W + pads)
    ho, wo = _out_hw(x, (kh, kw), strd, dil)

    windows = _windows(x, (kh, kw), strd, dil, (ho, wo))  # (N, C_in, Ho, Wo, kH, kW) view
    w = weight.reshape(groups, c_out // groups, -1)  # (g, C_out/g, C_in/g·kH·kW)
    # The unrolled matrix has kH·kW times as many entries as the input (231 MB for a ResNet
    # stage batch): build it for a few images at a time (32 MiB of columns, 4 such images), so
    # memory stays bounded. Not one image at a time: every chunk is two multi-threaded calls
    # (copy, matmul) whose threads must meet at the end, and on a loaded machine each meeting
    # costs a wait for a descheduled thread (8 MiB chunks measured 2-3x slower at 2 threads).
    per_image = math.prod(windows.shape[1:]) * windows.element_size()  # bytes of cols
    step = max(1, _COLS_BYTES // max(per_image, 1))
    outs = []
    for n0 in range(0, max(n, 1), step):  # one matmul when the input is small
        # cols[n, g, (c, i, j), (y, x)] = x[n, g·C_in/g + c, s·y + d·i, s·x + d·j]   (im2col)
        cols = (
            windows[n0 : n0 + step]
            .permute(0, 1, 4, 5, 2, 3)
            .reshape(-1, groups, w.shape[2], ho * wo)
        )
        # out[n, o, y, x] = Σ_{c,i,j} w[o, c, i, j] · x[n, c, s·y + d·i, s·x + d·j] + b[o]
        outs.append(torch.matmul(w, cols))  # (images, g, C_out/g, Ho·Wo)
    out = torch.cat(outs) if len(outs) > 1 else outs[0]
    out = out.reshape(n, c_out, ho, wo)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1, 1)
    return out[0] if unbatched else out


def conv2d_naive(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntPair = 1,
    padding: str | _IntPair = 0,
    dilation: _IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """The definition of `conv2d` as seven nested Python loops: the slow reference.

    Same arguments, checks and result as `conv2d`, but one multiply-add per Python step, so it
    is many thousand times slower. It exists to show what im2col buys; use it on tiny inputs
    only. No autograd (it works on Python floats).

    Examples:
        >>> import torch
        >>> x, w = torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3)
        >>> torch.allclose(conv2d_naive(x, w, stride=2), conv2d(x, w, stride=2), atol=1e-5)
        True
    """
    x4, unbatched = _check_image(input)
    strd, f_pad, dil, groups = _check_conv_args(x4, weight, bias, stride, padding, dilation, groups)
    xp = _pad(x4, f_pad, 0.0)
    ho, wo = _out_hw(xp, (weight.shape[2], weight.shape[3]), strd, dil)
    n_batch = xp.shape[0]
    c_out, c_per_group, kh, kw = weight.shape
    o_per_group = c_out // groups
    xs, ws = xp.tolist(), weight.tolist()
    bs = [0.0] * c_out if bias is None else bias.tolist()
    out = [[[[0.0] * wo for _ in range(ho)] for _ in range(c_out)] for _ in range(n_batch)]
    for n in range(n_batch):
        for o in range(c_out):
            g = o // o_per_group  # the channel block this filter reads
            for y in range(ho):
                for x in range(wo):
                    acc = bs[o]
                    for c in range(c_per_group):
                        plane = xs[n][g * c_per_group + c]
                        for i in range(kh):
                            row = plane[strd[0] * y + dil[0] * i]
                            for j in range(kw):
                                # out[n, o, y, x] += w[o, c, i, j] · x[n, c, s·y + d·i, s·x + d·j]
                                acc += ws[o][c][i][j] * row[strd[1] * x + dil[1] * j]
                    out[n][o][y][x] = acc
    result = torch.tensor(out, dtype=input.dtype, device=input.device)
    return result[0] if unbatched else result


# ----------------------------------------------------------------------------- pooling


def _check_pool_args(
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: Any,
) -> tuple[
    Tensor,
    bool,
    tuple[int, int],
    tuple[int, int],
    tuple[int, int],
    tuple[int, int],
    tuple[int, int],
]:
    """Validate pooling arguments and return (input 4D, unbatched, k, s, p, d, out)."""
    x, unbatched = _check_image(input)
    kernel = _v.pair(kernel_size, "kernel_size", minimum=1)
    # stride=None (or torch's empty list) means stride = kernel_size
    strd = (
        kernel
        if stride is None or stride == () or stride == []
        else _v.pair(stride, "stride", minimum=1)
    )
    pad = _v.pair(padding, "padding", minimum=0)
    dil = _v.pair(dilation, "dilation", minimum=1)
    _v.check_bool(ceil_mode, "ceil_mode")
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(
            f"padding must be at most half the kernel size (p <= k // 2, as in "
            f"torch), got padding={pad} for kernel_size={kernel}"
        )
    ho, wo = (
        _pool_output_size(size, k, s, p, d, ceil_mode, axis, tuple(x.shape))
        for size, k, s, p, d, axis in zip(x.shape[2:], kernel, strd, pad, dil, "HW", strict=True)
    )
    return x, unbatched, kernel, strd, pad, dil, (ho, wo)


def _pool_output_size(
    size: int, k: int, s: int, p: int, d: int, ceil_mode: bool, axis: str, shape: tuple[int, ...]
) -> int:
    """torch's pooling output length, with ceil_mode's "start inside" rule."""
    span = size + 2 * p - d * (k - 1) - 1  # room left for the window to slide
    # out = ⌊span / s⌋ + 1, or ⌈span / s⌉ + 1 with ceil_mode
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    # ceil_mode: the last window must start inside the input or its left padding
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    if span < 0 or out < 1:
        raise ValueError(
            f"the output would be empty: input {axis} = {size} with padding {p} is smaller than "
            f"the effective kernel d(k - 1) + 1 = {d * (k - 1) + 1} (input shape {shape})"
        )
    return out


def _pool_pad(
    x: Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pad: tuple[int, int],
    dilation: tuple[int, int],
    out: tuple[int, int],
    value: float,
) -> Tensor:
    """Pad with `value`: p before, and after as much as ceil_mode's last window needs."""
    # the last window ends at (out − 1)·s + d(k − 1) in padded coordinates
    extra = [
        max((o - 1) * s + d * (k - 1) + 1 - n - p, 0)
        for o, s, d, k, n, p in zip(out, stride, dilation, kernel, x.shape[2:], pad, strict=True)
    ]
    return _pad(x, (pad[1], extra[1], pad[0], extra[0]), value)


def max_pool2d(
    input: Tensor,
    kernel_size: _IntPair,
    stride: _IntPair | None = None,
    padding: _IntPair = 0,
    dilation: _IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """2D max pooling, same semantics as `torch.nn.functional.max_pool2d`.

    Args:
        input: `(N, C, H, W)` or unbatched `(C, H, W)`.
        kernel_size: k or (kH, kW).
        stride: Step; None means `kernel_size` (non-overlapping windows).
        padding: −∞ cells added on each side, at most k // 2.
        dilation: Spacing between window taps.
        ceil_mode: Round the output size up; a window must still start inside the input or
            the left padding.
        return_indices: Also return where each maximum came from.

    Returns:
        `(N, C, H_out, W_out)` maxima; with `return_indices`, also int64 indices into each
        flattened `H·W` input plane, the first maximum in row-major window order on ties.
        (NaN propagates to the value; with several NaNs in a window torch's index is the last
        one, ours the first.) The gradient flows only to the selected cell. A window with no
        input cell (possible with dilation) gives −∞ and, like torch, the index of its first
        tap at or past 0 in each axis; torch's backward sends that window's gradient to the
        cell of that flat index, ours sends none.

    Raises:
        TypeError: non-floating input or a non-int hyperparameter.
        ValueError: wrong input shape, non-positive kernel/stride/dilation, negative padding
            or more than half the kernel, or an empty output.

    Examples:
        >>> import torch
        >>> x = torch.tensor([[[[1.0, 5.0, 2.0, 0.0, 7.0]]]])  # (1, 1, 1, 5)
        >>> max_pool2d(x, (1, 2))  # the last column is dropped
        tensor([[[[5., 2.]]]])
        >>> max_pool2d(x, (1, 2), ceil_mode=True, return_indices=True)
        (tensor([[[[5., 2., 7.]]]]), tensor([[[[1, 2, 4]]]]))
    """
    x, unbatched, kernel, strd, pad, dil, (ho, wo) = _check_pool_args(
        input, kernel_size, stride, padding, dilation, ceil_mode
    )
    _v.check_bool(return_indices, "return_indices")
    xp = _pool_pad(x, kernel, strd, pad, dil, (ho, wo), -math.inf)  # (N, C, Hp, Wp)
    (sh, sw), (dh, dw) = strd, dil
    # The max over a k×k window is the max over its rows of the max along each row, so slide
    # along W, then along H: 2k comparisons per output instead of k².
    if not return_indices and not (torch.is_grad_enabled() and xp.requires_grad):
        # nothing to locate: m[n, c, h, x] = max_j xp[n, c, h, s·x + d·j]
        row_max = _slide(xp, 3, wo, kernel[1], sw, dw).amax(dim=-1)  # (N, C, Hp, Wo)
        # out[n, c, y, x] = max_i m[n, c, s·y + d·i, x]
        values = _slide(row_max, 2, ho, kernel[0], sh, dh).amax(dim=-1)  # (N, C, Ho, Wo)
        return values[0] if unbatched else values
    with torch.no_grad():  # find where each maximum is; the value is gathered below
        # m[n, c, h, x] = max_j xp[n, c, h, s·x + d·j]   (j: first maximum on ties, as torch)
        row_max, j_row = _slide(xp, 3, wo, kernel[1], sw, dw).max(dim=-1)  # (N, C, Hp, Wo)
        # max[n, c, y, x] = max_i m[n, c, s·y + d·i, x]   (i: first row holding it)
        best, i = _slide(row_max, 2, ho, kernel[0], sh, dh).max(dim=-1)  # (N, C, Ho, Wo)
        # the winning row's first maximum is the window's first in row-major order, as torch's
        j = _slide(j_row, 2, ho, kernel[0], sh, dh).gather(-1, i.unsqueeze(-1)).squeeze(-1)
        # Nothing beats −∞ (a window of padding and −∞ only): torch then reports the window's
        # first tap inside the input, i₀ = ⌈max(p − s·y, 0) / d⌉, likewise j₀.
        ys, xs = torch.arange(ho, device=x.device), torch.arange(wo, device=x.device)
        i0 = (torch.clamp(pad[0] - sh * ys, min=0) + dh - 1) // dh  # (Ho,)
        j0 = (torch.clamp(pad[1] - sw * xs, min=0) + dw - 1) // dw  # (Wo,)
        none = best == -math.inf
        i = torch.where(none, i0.reshape(ho, 1), i)
        j = torch.where(none, j0, j)
        if best.isnan().any():
            # torch's kernel takes each NaN it meets as the new maximum: a window holding NaN
            # reports its last NaN in row-major order (last row holding one, last NaN there)
            kh, kw = kernel
            nan_taps = _slide(xp.isnan().to(torch.uint8), 3, wo, kw, sw, dw)  # (N, C, Hp, Wo, kW)
            j_last = (kw - 1) - nan_taps.flip(-1).argmax(dim=-1)  # (N, C, Hp, Wo)
            rows_nan = _slide(nan_taps.amax(dim=-1), 2, ho, kh, sh, dh)  # (N, C, Ho, Wo, kH)
            i_last = (kh - 1) - rows_nan.flip(-1).argmax(dim=-1)  # (N, C, Ho, Wo)
            j_nan = _slide(j_last, 2, ho, kh, sh, dh).gather(-1, i_last.unsqueeze(-1)).squeeze(-1)
            has_nan = best.isnan()
            i = torch.where(has_nan, i_last, i)
            j = torch.where(has_nan, j_nan, j)
        # window tap (i, j) → padded cell (s·y + d·i, s·x + d·j)
        rows = (sh * ys).reshape(ho, 1) + dh * i  # (N, C, Ho, Wo)
        cols = sw * xs + dw * j
    # out[n, c, y, x] = xp[n, c, s·y + d·i*, s·x + d·j*]: a gather, so the gradient goes to
    # that one cell (accumulating where windows overlap), as in torch's backward
    width = xp.shape[3]
    flat = (rows * width + cols).flatten(2)  # (N, C, Ho·Wo) into each padded plane
    values = xp.flatten(2).gather(2, flat).reshape(rows.shape)
    if not return_indices:
        return values[0] if unbatched else values
    # padded cell → input cell (h − p, w − p) → flat index h·W + w into the H·W plane
    indices = (rows - pad[0]) * x.shape[3] + (cols - pad[1])
    if unbatched:
        return values[0], indices[0]
    return values, indices


def _tap_sum(windows: Tensor) -> Tensor:
    """Sum a window view over its last (tap) dim, one tap at a time.

    Each tap ``windows[..., j]`` is a strided slice of the input, so this is k elementwise
    additions; ``windows.sum(-1)`` gives the same numbers, but a reduction over a last dim of
    2 or 3 strided elements ran 3-4x slower on the CPU.
    """
    total = windows[..., 0].clone()
    for j in range(1, windows.shape[-1]):  # a loop over the k taps, not over elements
        total += windows[..., j]
    return total


def avg_pool2d(
    input: Tensor,
    kernel_size: _IntPair,
    stride: _IntPair | None = None,
    padding: _IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2D average pooling, same semantics as `torch.nn.functional.avg_pool2d`.

    Args:
        input: `(N, C, H, W)` or unbatched `(C, H, W)`.
        kernel_size: k or (kH, kW).
        stride: Step; None means `kernel_size`.
        padding: Zeros added on each side, at most k // 2.
        ceil_mode: Round the output size up; a window must still start inside the input or
            the left padding.
        count_include_pad: Divide by the window's cells inside input *or padding* (True) or
            inside the input only (False). Cells of a ceil_mode window past the padding never
            count.
        divisor_override: Divide every window sum by this nonzero int instead.

    Returns:
        `(N, C, H_out, W_out)` (or `(C, H_out, W_out)`) window means.

    Raises:
        TypeError: non-floating input or a non-int hyperparameter.
        ValueError: wrong input shape, non-positive kernel/stride, negative padding or more
            than half the kernel, a zero divisor_override, or an empty output.

    Examples:
        >>> import torch
        >>> ones = torch.ones(1, 1, 3, 3)
        >>> avg_pool2d(ones, 3, stride=1, padding=1)[0, 0, 0, 0]  # corner: 4 ones / 9 cells
        tensor(0.4444)
        >>> avg_pool2d(ones, 3, stride=1, padding=1, count_include_pad=False)[0, 0, 0, 0]
        tensor(1.)
    """
    x, unbatched, kernel, strd, pad, _, (ho, wo) = _check_pool_args(
        input, kernel_size, stride, padding, 1, ceil_mode
    )
    _v.check_bool(count_include_pad, "count_include_pad")
    if divisor_override is not None:
        divisor_override = _v.check_int(divisor_override, "divisor_override")
        if divisor_override == 0:
            raise ValueError("divisor_override must be a nonzero int or None, got 0")
    xp = _pool_pad(x, kernel, strd, pad, (1, 1), (ho, wo), 0.0)  # (N, C, Hp, Wp)
    # Window sums separate into row sums: Σ_{i,j} = Σ_i (Σ_j), 2k additions instead of k².
    # r[n, c, h, x] = Σ_j xp[n, c, h, s·x + j]
    row_sums = _tap_sum(_slide(xp, 3, wo, kernel[1], strd[1], 1))  # (N, C, Hp, Wo)
    # sums[n, c, y, x] = Σ_i r[n, c, s·y + i, x]
    sums = _tap_sum(_slide(row_sums, 2, ho, kernel[0], strd[0], 1))  # (N, C, Ho, Wo)
    if divisor_override is not None:
        out = sums / divisor_override
    else:
        counts = []
        for o, s, p, k, size in zip((ho, wo), strd, pad, kernel, x.shape[2:], strict=True):
            start = torch.arange(o, device=x.device) * s - p  # window start in input coords
            end = torch.clamp(start + k, max=size + p)  # stops at the padding's end
            if count_include_pad:  # input and padding cells, not the ceil_mode overhang
                counts.append(end - start)
            else:  # input cells only
                counts.append(torch.clamp(end, max=size) - torch.clamp(start, min=0))
        # out = Σ window / (count_H[y] · count_W[x])
        out = sums / (counts[0].reshape(-1, 1) * counts[1]).to(sums.dtype)
    return out[0] if unbatched else out


# ----------------------------------------------------------------------------- modules


class Conv2d(nn.Module):
    """2D convolution layer, like `torch.nn.Conv2d` (parameters `weight`, `bias`).

    `weight` is `(out_channels, in_channels / groups, kH, kW)`, `bias` is `(out_channels,)`; both
    start as U(−1/√fan_in, 1/√fan_in) with fan_in = in_channels / groups · kH · kW, drawn
    exactly as torch draws them. Only `padding_mode='zeros'` is implemented.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        kernel_size: k or (kH, kW).
        stride: s or (sH, sW).
        padding: p, (pH, pW), `'valid'` or `'same'`.
        dilation: d or (dH, dW).
        groups: Channel blocks; must divide both channel counts.
        bias: Whether to learn a bias.
        padding_mode: Only `'zeros'` (torch also has reflect, replicate and circular).
        device: Where to allocate the parameters.
        dtype: Their dtype.

    Examples:
        >>> import torch
        >>> conv = Conv2d(3, 8, 3, padding="same", groups=1)
        >>> conv
        Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)
        >>> conv(torch.randn(2, 3, 16, 16)).shape
        torch.Size([2, 8, 16, 16])
        >>> conv.load_state_dict(torch.nn.Conv2d(3, 8, 3).state_dict())
        <All keys matched successfully>
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _IntPair,
        stride: _IntPair = 1,
        padding: str | _IntPair = 0,
        dilation: _IntPair = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        c_in, c_out, groups = _check_channels(in_channels, out_channels, groups)
        self.in_channels, self.out_channels, self.groups = c_in, c_out, groups
        self.kernel_size = _v.pair(kernel_size, "kernel_size", minimum=1)
        self.stride = _v.pair(stride, "stride", minimum=1)
        self.padding = _padding_arg(padding)
        self.dilation = _v.pair(dilation, "dilation", minimum=1)
        if self.padding == "same" and self.stride != (1, 1):
            raise ValueError(
                f"padding='same' needs stride 1 (as in torch), got stride={self.stride}"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"padding_mode must be 'zeros' (torch's 'reflect', 'replicate' and "
                f"'circular' are not implemented), got {padding_mode!r}"
            )
        _v.check_bool(bias, "bias")
        self.padding_mode = padding_mode
        factory = _v.factory_kwargs(device, dtype)
        self.weight = nn.Parameter(
            torch.empty((c_out, c_in // groups, *self.kernel_size), **factory)
        )
        self.bias = nn.Parameter(torch.empty(c_out, **factory)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch's default: `kaiming_uniform_(weight, a=√5)`, then bias ~ U(±1/√fan_in)."""
        fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
        # kaiming_uniform_(a): gain = √(2 / (1 + a²)), bound = √3 · gain / √fan_in;
        # with a = √5 that is 1/√fan_in. Same arithmetic, same order, same draws as torch.
        gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
        bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)  # w ~ U(−1/√fan_in, 1/√fan_in)
            if self.bias is not None:
                b_bound = 1 / math.sqrt(fan_in)
                self.bias.uniform_(-b_bound, b_bound)  # b ~ U(−1/√fan_in, 1/√fan_in)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s

    def forward(self, input: Tensor) -> Tensor:
        """Convolve `(N, C_in, H, W)` or `(C_in, H, W)` input."""
        _v.check_tensor(input, "input", _IMAGE, dims=(3, 4))
        c = input.shape[-3]
        if c != self.in_channels:
            raise ValueError(
                f"in_channels={self.in_channels} does not match the channel dim C = "
                f"{c} of input {_IMAGE} of shape {tuple(input.shape)}"
            )
        return conv2d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


def _check_pool_module(kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> None:
    """Constructor checks of the pooling modules (the shape-dependent ones wait for forward)."""
    kernel = _v.pair(kernel_size, "kernel_size", minimum=1)
    if stride is not None:
        _v.pair(stride, "stride", minimum=1)
    pad = _v.pair(padding, "padding", minimum=0)
    _v.pair(dilation, "dilation", minimum=1)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(
            f"padding must be at most half the kernel size (p <= k // 2, as in "
            f"torch), got padding={pad} for kernel_size={kernel}"
        )


class MaxPool2d(nn.Module):
    """Max pooling layer, like `torch.nn.MaxPool2d` (no parameters).

    Note torch's module argument order: `return_indices` before `ceil_mode`, unlike the
    function.

    Examples:
        >>> import torch
        >>> MaxPool2d(2)
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> MaxPool2d(2)(torch.randn(1, 3, 5, 5)).shape
        torch.Size([1, 3, 2, 2])
    """

    def __init__(
        self,
        kernel_size: _IntPair,
        stride: _IntPair | None = None,
        padding: _IntPair = 0,
        dilation: _IntPair = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        _check_pool_module(kernel_size, stride, padding, dilation)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )


class AvgPool2d(nn.Module):
    """Average pooling layer, like `torch.nn.AvgPool2d` (no parameters).

    Examples:
        >>> import torch
        >>> AvgPool2d(3, stride=2, padding=1)
        AvgPool2d(kernel_size=3, stride=2, padding=1)
        >>> AvgPool2d(3, stride=2, padding=1)(torch.randn(1, 3, 8, 8)).shape
        torch.Size([1, 3, 4, 4])
    """

    def __init__(
        self,
        kernel_size: _IntPair,
        stride: _IntPair | None = None,
        padding: _IntPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        _check_pool_module(kernel_size, stride, padding, 1)
        if divisor_override is not None and _v.check_int(divisor_override, "divisor_override") == 0:
            raise ValueError("divisor_override must be a nonzero int or None, got 0")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )
