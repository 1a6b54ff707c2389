"""Convolution and pooling experiments: what shifts, rotations and scaling do to pooled features.

The 8×8 digits are placed in the middle of a 16×16 zero canvas, so a shift of up to 4 px moves
the digit without cropping it (a circular ``torch.roll`` is then the same as a zero-filled
shift). A second set enlarges each digit to 16×16 (bilinear) on a 24×24 canvas, so that a 1-px
shift is 1/16 of the object instead of 1/8. Everything runs on the CPU with fixed seeds and one
thread.

* `pool_shift()` (figure ``conv-pool-shift``): feature maps of every test digit, from hand-made
  edge kernels (Sobel) + ReLU and from the trained first conv layer (+ ReLU) of the max-pool CNN
  (5 seeds); how much of a 2×2/stride-2 max-pooled map survives a d-pixel shift, and the
  relative L2 change of max, average and blur pooling.
* `cnn_invariance()` (figure ``conv-invariance``): five small CNNs trained on the canvas digits
  (5 seeds each): 2×2 max, average or blur pooling after each conv; the convs themselves with
  stride 2 and no pooling; and stride-1 convs (circular padding) ending with global average
  pooling. Agreement with the unshifted prediction under 1–3 px shifts, Zhang's two-shift
  consistency, clean accuracy, and accuracy under rotation and scaling; max and blur pooling
  also on the enlarged digits. The max-pool nets' first-layer filters are returned with their
  cosine similarity to the Sobel kernels (figure ``conv-filters``, next to the Sobel responses
  on one digit).
* `receptive_field_check()` (figure ``conv-receptive-field``): the receptive field of a real
  conv/pool stack from `dlnotes.conv.receptive_field` against the input columns that actually
  get a gradient from one output, layer by layer, over 10 seeds, with average and with max
  pooling.

Each ``plot_*`` function takes a result and a language (``"en"`` or ``"zh"``); the words on the
figures are in ``LABELS``.
"""

from __future__ import annotations

__doc_zh__ = """
卷积与池化一页的实验：把 8×8 的手写数字放在 16×16 的全零画布中间，平移 4 个像素以内不会裁掉数字；
另一组把数字放大到 16×16，放在 24×24 的画布上，平移 1 个像素只占数字大小的 1/16。
包括：最大池化在 1 个像素与步幅整数倍平移下有多少输出保持不变，以及三种池化输出的相对变化
（特征图来自手工的 Sobel 核，也来自训练好的第一层卷积）；
五种小型 CNN（最大池化 / 平均池化 / 模糊池化 / 带步幅的卷积 / 步幅 1 卷积加全局平均池化）
在平移、旋转、缩放下的预测一致性与准确率，以及学到的第一层卷积核；
还有感受野公式与真实网络中梯度能传到的输入范围的对比（10 个种子）。
每个画图函数都接受 ``lang`` 参数。
"""

import functools
import math
from typing import TYPE_CHECKING, Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlnotes import conv
from dlnotes.experiments import THREADS, Result, plotting, seeded
from dlnotes.experiments.data import load_digits_split
from dlnotes.experiments.training import he_init_, make_cnn, summarize, sweep, train

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "CANVAS",
    "COLORS",
    "FIGURES",
    "LABELS",
    "POOLS",
    "SEEDS",
    "SOBEL_X",
    "SOBEL_Y",
    "STACK",
    "VARIANTS",
    "BlurPool2d",
    "canvas_digits",
    "chance_cosine",
    "cnn_invariance",
    "edge_maps",
    "feature_maps",
    "make_net",
    "plot_cnn_invariance",
    "plot_feature_maps",
    "plot_pool_shift",
    "plot_receptive_field",
    "pool",
    "pool_shift",
    "receptive_field_check",
    "shift",
    "trained_net",
    "transform",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


CANVAS = 16  # the 8×8 digit sits at rows/cols 4..11
SEEDS = (0, 1, 2, 3, 4)

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "max": "max pool",
        "avg": "average pool",
        "blur": "blur pool",
        "strided": "strided conv",
        "gap": "stride 1 + global avg",
        "max_large": "max pool, 16-px digit",
        "blur_large": "blur pool, 16-px digit",
        "shift_px": "shift of the input (px)",
        "unchanged": "max pool: fraction of\npooled values unchanged",
        "in_place": "same position",
        "aligned": "best cell-aligned position",
        "rel_change": "relative L2 change\nof the pooled map",
        "sobel_maps": "Sobel maps",
        "learned_maps": "learned maps",
        "consistency": "same prediction\nas unshifted",
        "angle": "rotation (degrees)",
        "scale": "scale factor",
        "accuracy": "test accuracy",
        "digit": "digit",
        "sobel_x": "vertical edges",
        "sobel_y": "horizontal edges",
        "learned": "learned 3×3 filters (first layer, max-pool CNN)",
        "layer": "layers in the stack",
        "rf": "receptive field (px)",
        "formula": "formula",
        "measured_avg": "measured, average pool",
        "measured_max": "measured, max pool (10 seeds)",
        "profile": "|∂ output / ∂ input| summed over rows",
        "column": "input column (px from centre)",
    },
    "zh": {
        "max": "最大池化",
        "avg": "平均池化",
        "blur": "模糊池化",
        "strided": "带步幅的卷积",
        "gap": "步幅 1 + 全局平均池化",
        "max_large": "最大池化，16 像素的数字",
        "blur_large": "模糊池化，16 像素的数字",
        "shift_px": "输入平移（像素）",
        "unchanged": "最大池化：输出\n保持不变的比例",
        "in_place": "原位置比较",
        "aligned": "按池化格对齐后比较",
        "rel_change": "池化输出的\n相对 L2 变化",
        "sobel_maps": "Sobel 特征图",
        "learned_maps": "学到的特征图",
        "consistency": "与未平移时\n预测相同的比例",
        "angle": "旋转角度（度）",
        "scale": "缩放倍数",
        "accuracy": "测试准确率",
        "digit": "数字",
        "sobel_x": "竖直边缘",
        "sobel_y": "水平边缘",
        "learned": "学到的 3×3 卷积核（最大池化 CNN 第一层）",
        "layer": "堆叠的层数",
        "rf": "感受野（像素）",
        "formula": "公式",
        "measured_avg": "实测，平均池化",
        "measured_max": "实测，最大池化（10 个种子）",
        "profile": "|∂输出 / ∂输入| 按行求和",
        "column": "输入列（相对中心的像素）",
    },
}
COLORS = {
    "max": plotting.COLORS[0],
    "avg": plotting.COLORS[1],
    "blur": plotting.COLORS[2],
    "strided": plotting.COLORS[3],
    "gap": plotting.COLORS[4],
}
POOLS = ("max", "avg", "blur")
VARIANTS = ("max", "avg", "blur", "strided", "gap")

# Sobel kernels: x responds to vertical edges (left-right change), y to horizontal ones
SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
SOBEL_Y = SOBEL_X.T.contiguous()


# ---------------------------------------------------------------------------------------------
# Data and building blocks
# ---------------------------------------------------------------------------------------------


def canvas_digits(digit: int = 8) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The digits in [0, 1], each centred on a zero canvas 8 px larger, flattened.

    Args:
        digit: Side of the digit in pixels: 8 (as stored) or 16 (enlarged, bilinear).

    Examples:
        >>> from dlnotes.experiments.conv_pool import canvas_digits
        >>> x_train, y_train, x_test, y_test = canvas_digits()
        >>> tuple(x_test.shape), x_test.view(-1, 16, 16)[:, :4].abs().max().item()
        ((450, 256), 0.0)
        >>> tuple(canvas_digits(digit=16)[2].shape)
        (450, 576)
    """
    if digit not in (8, 16):
        raise ValueError(f"digit must be 8 or 16, got {digit!r}")
    return _canvas_digits(digit)


@functools.cache
def _canvas_digits(digit: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    x_train, y_train, x_test, y_test = load_digits_split(standardize="none")

    def embed(x: Tensor) -> Tensor:
        img = x.view(-1, 1, 8, 8)
        if digit != 8:
            img = F.interpolate(img, size=digit, mode="bilinear", align_corners=False)
        # (N, 1, d, d) → zero border of 4 px → (N, (d + 8)²)
        return F.pad(img, (4, 4, 4, 4)).reshape(len(x), -1)

    return embed(x_train), y_train, embed(x_test), y_test


def _side(x: Tensor) -> int:
    return math.isqrt(x.shape[1])


def shift(x: Tensor, dx: int = 0, dy: int = 0) -> Tensor:
    """Shift ``(N, …, H, W)`` or flat ``(N, H·W)`` square images right by ``dx``, down by ``dy``.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.conv_pool import shift
        >>> shift(torch.eye(4).view(1, 4, 4), dx=1)[0, 0].tolist()
        [0.0, 1.0, 0.0, 0.0]
    """
    flat = x.dim() == 2
    img = x.view(len(x), _side(x), _side(x)) if flat else x
    out = torch.roll(img, shifts=(dy, dx), dims=(-2, -1))
    return out.reshape(x.shape)


class BlurPool2d(nn.Module):
    """Anti-aliased max pooling (Zhang 2019, "MaxBlurPool"): max with stride 1, blur, subsample.

    As in Zhang's code: a 2×2 max with stride 1 and no padding (H → H − 1), then the 3×3
    binomial filter ``[1, 2, 1]ᵀ[1, 2, 1] / 16`` per channel on the reflection-padded map,
    applied with stride 2 (blur then keep every second sample), so the map is low-passed before
    it is subsampled. Output size as ``MaxPool2d(2)`` on even inputs.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.conv_pool import BlurPool2d
        >>> tuple(BlurPool2d()(torch.rand(1, 3, 16, 16)).shape)
        (1, 3, 8, 8)
    """

    kernel: Tensor  # a buffer: the 3×3 binomial filter

    def __init__(self, max_first: bool = True) -> None:
        super().__init__()
        self.max_first = max_first
        row = torch.tensor([1.0, 2.0, 1.0])
        # b = [1,2,1]ᵀ[1,2,1] / 16
        self.register_buffer("kernel", (row[:, None] * row[None, :] / 16).view(1, 1, 3, 3))

    def forward(self, x: Tensor) -> Tensor:
        if self.max_first:
            x = F.max_pool2d(x, 2, stride=1)  # dense max: (H, W) → (H − 1, W − 1)
        c = x.shape[1]
        x = F.pad(x, (1, 1, 1, 1), mode="reflect")
        return F.conv2d(x, self.kernel.expand(c, 1, 3, 3), stride=2, groups=c)


def pool(x: Tensor, kind: str) -> Tensor:
    """2×2 pooling with stride 2 of ``(N, C, H, W)``: ``"max"``, ``"avg"`` or ``"blur"``."""
    if kind == "max":
        return cast(Tensor, conv.max_pool2d(x, 2))  # return_indices=False: one tensor
    if kind == "avg":
        return conv.avg_pool2d(x, 2)
    if kind == "blur":
        blurred: Tensor = BlurPool2d()(x)
        return blurred
    raise ValueError(f"kind must be 'max', 'avg' or 'blur', got {kind!r}")


def edge_maps(x: Tensor) -> Tensor:
    """ReLU of the four Sobel responses (±x, ±y) of flat canvas images: ``(N, 4, H, W)``."""
    kernels = torch.stack([SOBEL_X, -SOBEL_X, SOBEL_Y, -SOBEL_Y]).unsqueeze(1)  # (4, 1, 3, 3)
    return torch.relu(conv.conv2d(x.view(-1, 1, _side(x), _side(x)), kernels, padding=1))


def make_net(kind: str, canvas: int = CANVAS) -> nn.Sequential:
    """One of the five small CNNs (8 then 16 channels of 3×3 convs) on a ``canvas``-px image.

    * ``"max"``, ``"avg"``: `training.make_cnn`, conv → ReLU → 2×2 pool, twice, flatten → linear;
    * ``"blur"``: the same with `BlurPool2d` in place of each max pool;
    * ``"strided"``: the same convs with stride 2 and no pooling (same parameters);
    * ``"gap"``: three stride-1 convs (8, 16, 16 channels, dilations 1, 2, 4, circular
      padding), then global average pooling → linear: no layer downsamples.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.conv_pool import VARIANTS, make_net
        >>> [tuple(make_net(k)(torch.rand(2, 256)).shape) for k in VARIANTS]
        [(2, 10), (2, 10), (2, 10), (2, 10), (2, 10)]
    """
    if kind in ("max", "avg", "blur"):
        net = make_cnn((8, 16), pool="avg" if kind == "avg" else "max", image_size=canvas)
        if kind == "blur":
            for i, layer in enumerate(net):
                if isinstance(layer, nn.MaxPool2d):
                    net[i] = BlurPool2d()
        return net
    layers: list[nn.Module] = [nn.Unflatten(1, (1, canvas, canvas))]
    if kind == "strided":
        for c_in, c_out in ((1, 8), (8, 16)):
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.ReLU()]
        layers += [nn.Flatten(), nn.Linear(16 * (canvas // 4) ** 2, 10)]
    elif kind == "gap":
        c_in = 1
        for c_out, d in ((8, 1), (16, 2), (16, 4)):
            layers += [
                nn.Conv2d(c_in, c_out, 3, padding=d, dilation=d, padding_mode="circular"),
                nn.ReLU(),
            ]
            c_in = c_out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, 10)]
    else:
        raise ValueError(f"kind must be one of {VARIANTS}, got {kind!r}")
    return he_init_(nn.Sequential(*layers))


def _fit(net: nn.Module, x: Tensor, y: Tensor, generator: torch.Generator, epochs: int) -> None:
    train(
        net,
        x,
        y,
        batch_size=64,
        epochs=epochs,
        generator=generator,
        optimizer=lambda p: torch.optim.Adam(p, lr=1e-2),
    )
    net.eval()


def trained_net(kind: str = "max", seed: int = 0, epochs: int = 4) -> nn.Sequential:
    """The ``kind`` CNN of `cnn_invariance` for ``seed``, trained on the 16×16 canvas digits."""
    x_train, y_train, _, _ = canvas_digits()
    with seeded(seed, THREADS) as generator:
        net = make_net(kind)
        _fit(net, x_train, y_train, generator, epochs)
    return net


# ---------------------------------------------------------------------------------------------
# 1. Pooled features under shifts
# ---------------------------------------------------------------------------------------------


def _shift_metrics(maps: Tensor, shifts: tuple[int, ...]) -> dict[str, dict[str, list[float]]]:
    """Pooled ``maps`` against pooled shifted maps, per pooling kind (see `pool_shift`)."""
    out: dict[str, dict[str, list[float]]] = {}
    for kind in POOLS:
        base = pool(maps, kind)  # (N, C, h, w)
        in_place, aligned, rel = [], [], []
        for d in shifts:
            moved = pool(shift(maps, dx=d), kind)
            fractions, changes = [], []
            for cells in (d // 2, (d + 1) // 2):
                ref = torch.roll(base, shifts=cells, dims=-1)
                support = (ref != 0) | (moved != 0)
                fractions.append(((ref == moved) & support).sum().item() / support.sum().item())
                # ‖p(Tx) − S p(x)‖ / ‖p(x)‖
                changes.append(((moved - ref).norm() / base.norm()).item())
            support = (base != 0) | (moved != 0)
            in_place.append(((base == moved) & support).sum().item() / support.sum().item())
            aligned.append(max(fractions))
            rel.append(min(changes))
        out[kind] = {"in_place": in_place, "aligned": aligned, "rel_change": rel}
    return out


def pool_shift(shifts: tuple[int, ...] = (0, 1, 2, 3, 4), seeds: tuple[int, ...] = SEEDS) -> Result:
    """Shift the feature maps of every test digit right by d px; compare the pooled maps.

    Two sets of feature maps: the ReLU of four Sobel responses (``"sobel"``, no seed), and the
    ReLU of the responses of the 8 first-layer filters of the max-pool CNN trained with each
    of ``seeds`` (``"learned"``; without the bias, so that the empty canvas maps to 0). The
    maps get a 4-px zero border first, so a shift of up to 4 px never wraps a non-zero value
    around.

    For max pooling, two fractions of pooled values that are exactly unchanged, over cells where
    either map is non-zero: ``in_place`` (the same cell: invariance) and ``aligned`` (the best
    of the pooled map shifted by whole cells: equivariance; exact when d is a multiple of the
    stride 2, the map then moves by d/2 cells). For all three poolings, the relative L2 change
    ‖p(Tx) − Sp(x)‖ / ‖p(x)‖ with S the best whole-cell shift.

    Examples:
        >>> from dlnotes.experiments.conv_pool import pool_shift
        >>> r = pool_shift(shifts=(0, 2), seeds=(0,))
        >>> r["sobel"]["max"]["aligned"], r["sobel"]["max"]["rel_change"]
        ([1.0, 1.0], [0.0, 0.0])
    """
    _, _, x_test, _ = canvas_digits()
    border = (4, 4, 4, 4)
    out: Result = {"shifts": list(shifts), "images": len(x_test), "seeds": list(seeds)}
    with seeded(0, THREADS):  # nothing random here: one thread, as every run
        out["sobel"] = _shift_metrics(F.pad(edge_maps(x_test), border), shifts)
    learned: list[dict[str, dict[str, list[float]]]] = []
    for seed in seeds:
        weight = cast(
            nn.Conv2d, trained_net("max", seed)[1]
        ).weight.detach()  # the first conv: (8, 1, 3, 3)
        with seeded(seed, THREADS):
            # the filters' responses without the bias, so the empty canvas maps to 0
            maps = torch.relu(conv.conv2d(x_test.view(-1, 1, CANVAS, CANVAS), weight, padding=1))
            learned.append(_shift_metrics(F.pad(maps, border), shifts))
    out["learned"] = {
        kind: {
            metric: summarize(
                [[run[kind][metric][i] for run in learned] for i in range(len(shifts))]
            )
            for metric in ("in_place", "aligned", "rel_change")
        }
        for kind in POOLS
    }
    return out


@plotting.styled
def plot_pool_shift(result: Result, lang: str = "en") -> Figure:
    """Top: max pool's unchanged fractions vs shift. Bottom: relative L2 change per pooling.

    Examples:
        >>> from dlnotes.experiments.conv_pool import plot_pool_shift, pool_shift
        >>> fig = plot_pool_shift(pool_shift(shifts=(0, 1), seeds=(0,)), lang="zh")
        >>> fig.axes[1].get_xlabel()
        '输入平移（像素）'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=5.0, nrows=2, sharex=True)
    xs = result["shifts"]
    sobel, learned = result["sobel"], result["learned"]
    top.plot(xs, sobel["max"]["aligned"], "o-", color=COLORS["max"], label=words["aligned"])
    top.plot(xs, sobel["max"]["in_place"], "s--", color=plotting.GREY, label=words["in_place"])
    top.set_ylim(-0.02, 1.55)
    top.set_yticks([0.0, 0.5, 1.0])
    top.set_ylabel(words["unchanged"])
    top.legend(loc="upper center", ncols=2)
    for kind in POOLS:
        bottom.plot(xs, sobel[kind]["rel_change"], "o-", color=COLORS[kind], label=words[kind])
        plotting.band(
            bottom,
            xs,
            learned[kind]["rel_change"],
            color=COLORS[kind],
            label="_" + words[kind],
            marker="^",
            linestyle=":",
        )
    highest = max(max(sobel[kind]["rel_change"]) for kind in POOLS)
    bottom.set_ylim(-0.02, 1.3 * highest)
    bottom.set_ylabel(words["rel_change"])
    bottom.set_xlabel(words["shift_px"])
    bottom.set_xticks(xs)
    bottom.text(
        0.99,
        0.97,
        f"— {words['sobel_maps']}   ··· {words['learned_maps']}",
        transform=bottom.transAxes,
        ha="right",
        va="top",
    )
    fig.legend(handles=bottom.get_lines()[::2], loc="outside lower center", ncols=3)
    return fig


# ---------------------------------------------------------------------------------------------
# 2. Trained CNNs under shifts, rotations and scaling
# ---------------------------------------------------------------------------------------------


def transform(x: Tensor, angle: float = 0.0, scale: float = 1.0) -> Tensor:
    """Rotate flat canvas images by ``angle`` degrees and scale them about the centre (bilinear)."""
    theta = math.radians(angle)
    # sampling grid: input point = R(−θ) · p / s for each output point p
    cos, sin = math.cos(theta) / scale, math.sin(theta) / scale
    mat = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]]).expand(len(x), 2, 3)
    img = x.view(-1, 1, _side(x), _side(x))
    grid = F.affine_grid(mat, list(img.shape), align_corners=False)
    return F.grid_sample(img, grid, align_corners=False).reshape(x.shape)


@torch.no_grad()
def _predict(net: nn.Module, x: Tensor) -> Tensor:
    logits: Tensor = net(x)
    return logits.argmax(dim=1)


def _zhang_consistency(net: nn.Module, x: Tensor, reach: int) -> float:
    """P(same class under two independent random shifts of one image), Zhang (2019)'s metric.

    Both offsets (dx, dy) are uniform on {−reach, …, reach}²; the expectation over the pairs is
    computed exactly: with n offsets and ``preds`` the ``(n, N)`` predictions,
    consistency = (1/N) Σᵢ (1/n²) Σₐ Σ_b 1[preds[a, i] = preds[b, i]].
    """
    offsets = range(-reach, reach + 1)
    preds = torch.stack([_predict(net, shift(x, dx, dy)) for dx in offsets for dy in offsets])
    same = preds[:, None, :] == preds[None, :, :]  # (n, n, N)
    return same.float().mean().item()


def chance_cosine(threshold: float = 0.7, samples: int = 20_000) -> float:
    """Fraction of random Gaussian 3×3 filters whose largest |cos| with a Sobel kernel is ≥
    ``threshold``: how often a filter "looks like an edge detector" by chance.

    Examples:
        >>> from dlnotes.experiments.conv_pool import chance_cosine
        >>> 0.03 < chance_cosine() < 0.08
        True
    """
    g = torch.Generator().manual_seed(0)
    cos = torch.tensor(_cosine_to_sobel(torch.randn(samples, 3, 3, generator=g)))
    return (cos >= threshold).float().mean().item()


def _cosine_to_sobel(filters: Tensor) -> list[float]:
    """Largest |cos| of each ``(n, 3, 3)`` filter with the two Sobel kernels."""
    sobel = torch.stack([SOBEL_X, SOBEL_Y]).flatten(1)  # (2, 9)
    flat = filters.flatten(1)  # (n, 9)
    # |cos(f, s)| = |f·s| / (‖f‖ ‖s‖)
    cos = (flat @ sobel.T).abs() / (flat.norm(dim=1, keepdim=True) * sobel.norm(dim=1))
    best: list[float] = cos.max(dim=1).values.tolist()
    return best


def cnn_invariance(
    seeds: tuple[int, ...] = SEEDS,
    epochs: int = 4,
    variants: tuple[str, ...] = VARIANTS,
    shifts: tuple[int, ...] = (0, 1, 2, 3),
    angles: tuple[float, ...] = (0.0, 15.0, 30.0, 45.0),
    scales: tuple[float, ...] = (0.75, 1.0, 1.25),
    large: tuple[str, ...] = ("max",),
    reach: int = 1,
) -> Result:
    """Train each CNN variant; test it on shifted, rotated and scaled digits.

    ``agreement[d]``: the fraction of test digits whose predicted class is the same after a
    d-px shift as without it, averaged over a shift right and a shift down. ``zhang``: Zhang
    (2019)'s consistency, the probability that a test digit is classified alike under two
    independent random shifts (dx, dy) in {−reach, …, reach}², computed exactly over all pairs.
    ``accuracy``: clean test accuracy. Rotation and scaling are about the canvas centre, and
    measured as test accuracy. Training sees only the
    centred digits (Adam, lr 10⁻², batch 64, ``epochs`` epochs). The ``large`` variants are
    also trained on the enlarged digits (16 px on a 24-px canvas): agreement, Zhang's
    consistency and accuracy.

    Examples:
        >>> from dlnotes.experiments.conv_pool import cnn_invariance
        >>> r = cnn_invariance(seeds=(0,), epochs=1, variants=("max",), shifts=(0, 1),
        ...                    angles=(0.0,), scales=(1.0,), large=())
        >>> r["variants"]["max"]["agreement"]["mean"][0], len(r["filters"]), len(r["sobel_cos"])
        (1.0, 8, 1)
    """
    x_train, y_train, x_test, y_test = canvas_digits()
    big_train, _, big_test, _ = canvas_digits(digit=16) if large else (None, None, None, None)
    filters: list[list[list[float]]] = []
    sobel_cos: list[list[float]] = []

    def measure(net: nn.Module, x: Tensor) -> dict[str, float | None]:
        plain = _predict(net, x)
        out: dict[str, float | None] = {"accuracy": (plain == y_test).float().mean().item()}
        for d in shifts:
            moves = ((d, 0), (0, d))  # right, down
            same = [(_predict(net, shift(x, dx, dy)) == plain).float().mean() for dx, dy in moves]
            out[f"shift{d}"] = torch.stack(same).mean().item()
        out["zhang"] = _zhang_consistency(net, x, reach)
        return out

    def run(kind: str, setting: str, generator: torch.Generator) -> dict[str, float | None]:
        if setting == "large":
            net = make_net(kind, canvas=24)
            # (both exist when setting == "large": the "large" runs need large=True)
            _fit(net, cast(Tensor, big_train), y_train, generator, epochs)
            return measure(net, cast(Tensor, big_test))
        net = make_net(kind)
        _fit(net, x_train, y_train, generator, epochs)
        if kind == "max":
            weights = cast(nn.Conv2d, net[1]).weight.detach()[:, 0]  # (8, 3, 3)
            if not filters:
                filters.extend(weights.tolist())
            sobel_cos.append(_cosine_to_sobel(weights))
        out = measure(net, x_test)
        for a in angles:
            moved = transform(x_test, angle=a) if a else x_test
            out[f"angle{a:g}"] = (_predict(net, moved) == y_test).float().mean().item()
        for s in scales:
            moved = transform(x_test, scale=s) if s != 1 else x_test
            out[f"scale{s:g}"] = (_predict(net, moved) == y_test).float().mean().item()
        return out

    def collect(metrics: dict[str, Any], keys: list[str]) -> dict[str, list[Any]]:
        return summarize([metrics[k]["per_seed"][0] for k in keys])

    plain = sweep(run, variants, ["centred"], seeds, THREADS)
    result_variants: dict[str, Any] = {}
    for kind, metrics in plain["variants"].items():
        result_variants[kind] = {
            "agreement": collect(metrics, [f"shift{d}" for d in shifts]),
            "zhang": collect(metrics, ["zhang"]),
            "accuracy": collect(metrics, ["accuracy"]),
            "rotation": collect(metrics, [f"angle{a:g}" for a in angles]),
            "scaling": collect(metrics, [f"scale{s:g}" for s in scales]),
        }
    large_variants: dict[str, Any] = {}
    if large:
        enlarged = sweep(run, large, ["large"], seeds, THREADS)
        for kind, metrics in enlarged["variants"].items():
            large_variants[kind] = {
                "agreement": collect(metrics, [f"shift{d}" for d in shifts]),
                "zhang": collect(metrics, ["zhang"]),
                "accuracy": collect(metrics, ["accuracy"]),
            }
    return {
        "seeds": list(seeds),
        "epochs": epochs,
        "shifts": list(shifts),
        "angles": list(angles),
        "scales": list(scales),
        "reach": reach,
        "variants": result_variants,
        "large": large_variants,
        "filters": filters,
        "sobel_cos": sobel_cos,
        "chance_cos": chance_cosine(),
    }


@plotting.styled
def plot_cnn_invariance(result: Result, lang: str = "en") -> Figure:
    """Three stacked panels: agreement vs shift, accuracy vs rotation, accuracy vs scale.

    Examples:
        >>> from dlnotes.experiments.conv_pool import cnn_invariance, plot_cnn_invariance
        >>> r = cnn_invariance(seeds=(0,), epochs=1, variants=("max", "gap"), shifts=(0, 1),
        ...                    angles=(0.0, 45.0), large=("max",))
        >>> len(plot_cnn_invariance(r).axes)
        3
    """
    words = LABELS[lang]
    fig, axes = plotting.figure(height=7.2, nrows=3)
    panels = (
        ("agreement", result["shifts"], words["consistency"], words["shift_px"]),
        ("rotation", result["angles"], words["accuracy"], words["angle"]),
        ("scaling", result["scales"], words["accuracy"], words["scale"]),
    )
    for ax, (metric, xs, ylabel, xlabel) in zip(axes, panels, strict=True):
        for kind, stats in result["variants"].items():
            label = words[kind] if metric == "agreement" else "_" + words[kind]
            plotting.band(ax, xs, stats[metric], color=COLORS[kind], label=label)
        if metric == "agreement":
            for kind, stats in result["large"].items():
                plotting.band(
                    ax,
                    xs,
                    stats["agreement"],
                    color=COLORS[kind],
                    label=words[f"{kind}_large"],
                    marker="^",
                    linestyle="--",
                )
        ax.set_ylim(0, 1.02)
        ax.set_yticks([0.0, 0.5, 1.0])
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
    plotting.legend_below(fig, ncols=2)
    return fig


def feature_maps(digit_index: int = 0) -> Result:
    """One test digit, its two Sobel responses, and the max-pool CNN's first-layer filters.

    The filters are those of `cnn_invariance`'s max-pool network for seed 0.
    """
    _, _, x_test, _ = canvas_digits()
    img = x_test[digit_index : digit_index + 1]
    maps = conv.conv2d(img.view(1, 1, CANVAS, CANVAS), torch.stack([SOBEL_X, SOBEL_Y]).unsqueeze(1))
    filters = cast(nn.Conv2d, trained_net("max", 0)[1]).weight.detach()[:, 0]
    return {
        "digit": img.view(CANVAS, CANVAS)[4:12, 4:12].tolist(),
        "sobel_x": maps[0, 0, 3:11, 3:11].tolist(),
        "sobel_y": maps[0, 1, 3:11, 3:11].tolist(),
        "filters": filters.tolist(),
        "sobel_cos": _cosine_to_sobel(filters),
    }


@plotting.styled
def plot_feature_maps(result: Result, lang: str = "en") -> Figure:
    """Top row: digit, vertical-edge and horizontal-edge responses. Below: 8 learned filters.

    Each filter's title is its number and its largest |cos| with a Sobel kernel.

    Examples:
        >>> from dlnotes.experiments.conv_pool import plot_feature_maps
        >>> r = {"digit": [[0.0] * 8] * 8, "sobel_x": [[0.0] * 8] * 8, "sobel_y": [[0.0] * 8] * 8,
        ...      "filters": [[[0.0] * 3] * 3] * 8, "sobel_cos": [0.0] * 8}
        >>> len(plot_feature_maps(r, lang="zh").axes)
        11
    """
    from matplotlib.figure import Figure

    words = LABELS[lang]
    fig = Figure(figsize=(plotting.WIDTH, 4.6), layout="constrained")
    # two rows: an array of two SubFigures (typed ndarray | SubFigure)
    top, bottom = cast("list[SubFigure]", fig.subfigures(2, 1, height_ratios=[1.15, 1.0]))
    for ax, key in zip(top.subplots(1, 3), ("digit", "sobel_x", "sobel_y"), strict=True):
        values = torch.tensor(result[key]).numpy()
        limit = max(float(abs(values).max()), 1e-9)
        cmap, vmin = ("gray_r", 0.0) if key == "digit" else ("RdBu_r", -limit)
        ax.imshow(values, cmap=cmap, vmin=vmin, vmax=limit)
        ax.set_title(words[key])
        ax.set_xticks([])
        ax.set_yticks([])
    filters = torch.tensor(result["filters"]).numpy()
    axes = bottom.subplots(2, 4)
    for n, (ax, f, c) in enumerate(
        zip(axes.flat, filters, result["sobel_cos"], strict=False), start=1
    ):
        limit = max(float(abs(f).max()), 1e-9)
        ax.imshow(f, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"#{n}  {c:.2f}")
        ax.set_xticks([])
        ax.set_yticks([])
    bottom.suptitle(words["learned"])
    return fig


# ---------------------------------------------------------------------------------------------
# 3. Receptive field: formula vs gradient support
# ---------------------------------------------------------------------------------------------

STACK: tuple[tuple[int, int, int], ...] = (
    (3, 1, 1),  # conv 3×3
    (3, 1, 1),  # conv 3×3
    (2, 2, 1),  # pool 2×2
    (3, 1, 1),  # conv 3×3
    (3, 1, 2),  # conv 3×3, dilation 2
    (2, 2, 1),  # pool 2×2
    (3, 1, 1),  # conv 3×3
)


def _support_widths(
    stack: tuple[tuple[int, int, int], ...], size: int, pool_kind: str, seed: int
) -> tuple[list[int], Tensor]:
    """Width of the non-zero gradient of the centre output after each layer, and the last
    layer's |gradient| summed over rows (a column marginal)."""
    with seeded(seed, THREADS):
        layers: list[nn.Module] = []
        channels, c_in = 4, 1
        widths = []
        x = torch.rand(1, 1, size, size) + 0.1
        for k, s, d in stack:
            if s == 1:
                layer = nn.Conv2d(c_in, channels, k, padding=d * (k - 1) // 2, dilation=d)
                nn.init.uniform_(layer.weight, 0.1, 1.0)  # positive: no accidental cancellation
                layers.extend([layer, nn.ReLU()])
                c_in = channels
            else:
                layers.append(nn.MaxPool2d(k, s) if pool_kind == "max" else nn.AvgPool2d(k, s))
            net = nn.Sequential(*layers)
            xi = x.clone().requires_grad_(True)
            y = net(xi)  # (1, C, h, w)
            y[0, :, y.shape[2] // 2, y.shape[3] // 2].sum().backward()
            grad = cast(Tensor, xi.grad)  # backward ran on y: the gradient exists
            columns = grad[0, 0].abs().sum(dim=0)  # Σ over rows: (size,)
            nonzero = columns.nonzero().flatten()
            widths.append(int(nonzero.max() - nonzero.min() + 1))
    return widths, columns


def receptive_field_check(
    stack: tuple[tuple[int, int, int], ...] = STACK,
    size: int = 64,
    seeds: tuple[int, ...] = tuple(range(10)),
) -> Result:
    """Receptive field of each prefix of ``stack``: `conv.receptive_field` vs measured.

    The stack is real: ``(k, 1, d)`` is a 3×3 conv (positive random weights, dilation d,
    padding keeping the size) followed by ReLU, ``(k, k, 1)`` a k×k pool, average or max. The
    measured receptive field is the width of the set of input columns with a non-zero gradient
    of the centre output (summed over channels) for a positive random input, one per seed.

    With average pooling every input in the formula's window gets a positive gradient, so the
    two agree on every seed. Behind a max pool the gradient reaches only the argmax of each
    window, so the measured width depends on the data and is *at most* the formula's value.
    ``profile`` is the |gradient| of the full average-pool stack summed over rows, averaged
    over the seeds and scaled to a maximum of 1: the *effective* receptive field is
    concentrated in the middle (Luo et al. 2016).

    Examples:
        >>> from dlnotes.experiments.conv_pool import receptive_field_check
        >>> r = receptive_field_check(stack=((3, 1, 1), (2, 2, 1), (3, 1, 2)), size=16, seeds=(0,))
        >>> r["formula"], r["measured_avg"]
        ([3, 4, 12], [[3, 4, 12]])
    """
    formula = [
        conv.receptive_field([tuple(layer) for layer in stack[: n + 1]]) for n in range(len(stack))
    ]
    measured: dict[str, list[list[int]]] = {"avg": [], "max": []}
    profiles = []
    for seed in seeds:
        for kind in ("avg", "max"):
            widths, columns = _support_widths(stack, size, kind, seed)
            measured[kind].append(widths)
            if kind == "avg":
                profiles.append(columns / columns.max())
    mean = torch.stack(profiles).mean(dim=0)
    nonzero = mean.nonzero().flatten()
    lo, hi = int(nonzero.min()), int(nonzero.max())
    centre, half = (lo + hi) // 2, (hi - lo) // 2 + 2
    profile = mean[centre - half : centre + half + 1]
    return {
        "stack": [list(layer) for layer in stack],
        "seeds": list(seeds),
        "formula": formula,
        "measured_avg": measured["avg"],
        "measured_max": measured["max"],
        "profile_x": list(range(-half, half + 1)),
        "profile": (profile / profile.max()).tolist(),
    }


@plotting.styled
def plot_receptive_field(result: Result, lang: str = "en") -> Figure:
    """Top: receptive field vs depth, formula line, measured dots. Bottom: gradient profile.

    Examples:
        >>> from dlnotes.experiments.conv_pool import plot_receptive_field, receptive_field_check
        >>> r = receptive_field_check(stack=((3, 1, 1), (2, 2, 1)), size=16, seeds=(0, 1))
        >>> plot_receptive_field(r, lang="zh").axes[0].get_ylabel()
        '感受野（像素）'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=5.0, nrows=2)
    depth = list(range(1, len(result["formula"]) + 1))
    top.plot(depth, result["formula"], "-", color=COLORS["max"], label=words["formula"])
    top.plot(
        depth, result["measured_avg"][0], "o", color=COLORS["avg"], label=words["measured_avg"]
    )
    by_depth = list(zip(*result["measured_max"], strict=True))
    lows = [min(v) for v in by_depth]
    highs = [max(v) for v in by_depth]
    mids = [(lo + hi) / 2 for lo, hi in zip(lows, highs, strict=True)]
    top.errorbar(
        [x + 0.15 for x in depth],
        mids,
        yerr=[
            [m - lo for m, lo in zip(mids, lows, strict=True)],
            [hi - m for m, hi in zip(mids, highs, strict=True)],
        ],
        fmt="none",
        ecolor=COLORS["blur"],
        elinewidth=2.5,
        capsize=4,
        label=words["measured_max"],
    )
    top.set_xticks(depth)
    top.set_xlabel(words["layer"])
    top.set_ylabel(words["rf"])
    top.legend(loc="upper left")
    bottom.bar(result["profile_x"], result["profile"], color=COLORS["gap"], width=0.9)
    bottom.set_xlabel(words["column"])
    bottom.set_ylabel(
        words["profile"].replace(" |", "\n|", 1).replace(" summed", "\nsummed", 1)
        if lang == "en"
        else words["profile"].replace(" 按行", "\n按行", 1)
    )
    return fig


FIGURES: dict[str, tuple[Any, Any]] = {
    "conv-pool-shift": (pool_shift, plot_pool_shift),
    "conv-invariance": (cnn_invariance, plot_cnn_invariance),
    "conv-filters": (feature_maps, plot_feature_maps),
    "conv-receptive-field": (receptive_field_check, plot_receptive_field),
}
