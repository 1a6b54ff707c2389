"""Convolution and pooling experiments: what shifts, rotations and scaling do to pooled features.

The 8×8 digits are placed in the middle of a 16×16 zero canvas, so a shift of up to 4 px moves
the digit without cropping it (a circular ``torch.roll`` is then the same as a zero-filled
shift). Everything runs on the CPU with fixed seeds and one thread.

* `pool_shift()` (figure ``conv-pool-shift``): hand-made edge kernels (Sobel) + ReLU give
  feature maps of every test digit; how much of a 2×2/stride-2 max-pooled map survives a
  d-pixel shift, and the relative L2 change of max, average and blur pooling.
* `cnn_invariance()` (figure ``conv-invariance``): a small CNN (`training.make_cnn`) with max,
  average or blur pooling, trained on the canvas digits; prediction consistency under 1–3 px
  shifts and accuracy under rotation and scaling. The max-pool net's first-layer filters are
  returned too (figure ``conv-filters``, next to the Sobel responses on one digit).
* `receptive_field_check()` (figure ``conv-receptive-field``): the receptive field of a real
  conv/pool stack from `dlnotes.conv.receptive_field` against the input pixels that actually
  get a gradient from one output, layer by layer.

Each ``plot_*`` function takes a result and a language (``"en"`` or ``"zh"``); the words on the
figures are in ``LABELS``.
"""

from __future__ import annotations

__doc_zh__ = """
卷积与池化一页的实验：把 8×8 的手写数字放在 16×16 的全零画布中间，平移 4 个像素以内不会裁掉数字。
包括：最大池化在 1 个像素与步长整数倍平移下有多少输出保持不变（以及平均池化、模糊池化的相对变化）；
小型 CNN（最大池化 / 平均池化 / 模糊池化）在平移、旋转、缩放下的预测一致性与准确率，
和它学到的第一层卷积核；
以及感受野公式与真实网络中梯度能传到的输入范围的对比。每个画图函数都接受 ``lang`` 参数。
"""

import math
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlnotes import conv
from dlnotes.experiments import Result, plotting, seeded
from dlnotes.experiments.data import load_digits_split
from dlnotes.experiments.training import make_cnn, summarize, sweep, train

if TYPE_CHECKING:
    from matplotlib.figure import Figure

THREADS = 1
CANVAS = 16  # the 8×8 digit sits at rows/cols 4..11

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "max": "max pool",
        "avg": "average pool",
        "blur": "blur pool",
        "shift_px": "shift of the input (px)",
        "unchanged": "max pool: fraction of\npooled values unchanged",
        "in_place": "same position",
        "aligned": "best cell-aligned position",
        "rel_change": "relative L2 change\nof the pooled map",
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
        "measured": "measured (gradient support)",
        "profile": "|∂ output / ∂ input| along the centre row",
        "column": "input column (px from centre)",
    },
    "zh": {
        "max": "最大池化",
        "avg": "平均池化",
        "blur": "模糊池化",
        "shift_px": "输入平移（像素）",
        "unchanged": "最大池化：输出\n保持不变的比例",
        "in_place": "原位置比较",
        "aligned": "按池化格对齐后比较",
        "rel_change": "池化输出的\n相对 L2 变化",
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
        "measured": "实测（梯度非零范围）",
        "profile": "中心行上的 |∂输出 / ∂输入|",
        "column": "输入列（相对中心的像素）",
    },
}
COLORS = {"max": plotting.COLORS[0], "avg": plotting.COLORS[1], "blur": plotting.COLORS[2]}
POOLS = ("max", "avg", "blur")

# Sobel kernels: x responds to vertical edges (left-right change), y to horizontal ones
SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
SOBEL_Y = SOBEL_X.T.contiguous()


# ---------------------------------------------------------------------------------------------
# Data and building blocks
# ---------------------------------------------------------------------------------------------


def canvas_digits() -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The digits in [0, 1], each centred on a 16×16 zero canvas, flattened to 256 values.

    Examples:
        >>> from dlnotes.experiments.conv_pool import canvas_digits
        >>> x_train, y_train, x_test, y_test = canvas_digits()
        >>> tuple(x_test.shape), x_test.view(-1, 16, 16)[:, :4].abs().max().item()
        ((450, 256), 0.0)
    """
    x_train, y_train, x_test, y_test = load_digits_split(standardize="none")

    def embed(x: Tensor) -> Tensor:
        # (N, 64) → (N, 8, 8) → zero border of 4 px → (N, 256)
        return F.pad(x.view(-1, 8, 8), (4, 4, 4, 4)).reshape(len(x), -1)

    return embed(x_train), y_train, embed(x_test), y_test


def shift(x: Tensor, dx: int = 0, dy: int = 0) -> Tensor:
    """Shift ``(N, …, 16, 16)`` or flat ``(N, 256)`` canvas images right by ``dx``, down by ``dy``.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.conv_pool import shift
        >>> shift(torch.eye(4).view(1, 4, 4), dx=1)[0, 0].tolist()
        [0.0, 1.0, 0.0, 0.0]
    """
    flat = x.dim() == 2
    img = x.view(len(x), CANVAS, CANVAS) if flat else x
    out = torch.roll(img, shifts=(dy, dx), dims=(-2, -1))
    return out.reshape(x.shape)


class BlurPool2d(nn.Module):
    """Anti-aliased max pooling (Zhang 2019, "MaxBlurPool"): max with stride 1, blur, subsample.

    The blur is the 3×3 binomial filter ``[1, 2, 1]ᵀ[1, 2, 1] / 16`` per channel, applied with
    stride 2 (blur then keep every second sample), so the map is low-passed before it is
    subsampled. Output size as ``MaxPool2d(2)`` on even inputs.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.conv_pool import BlurPool2d
        >>> tuple(BlurPool2d()(torch.rand(1, 3, 16, 16)).shape)
        (1, 3, 8, 8)
    """

    def __init__(self, max_first: bool = True) -> None:
        super().__init__()
        self.max_first = max_first
        row = torch.tensor([1.0, 2.0, 1.0])
        # b = [1,2,1]ᵀ[1,2,1] / 16
        self.register_buffer("kernel", (row[:, None] * row[None, :] / 16).view(1, 1, 3, 3))

    def forward(self, x: Tensor) -> Tensor:
        if self.max_first:
            x = F.pad(x, (0, 1, 0, 1))  # keep the size: the stride-1 max sees one extra column
            x = F.max_pool2d(x, 2, stride=1)
        c = x.shape[1]
        return F.conv2d(x, self.kernel.expand(c, 1, 3, 3), stride=2, padding=1, groups=c)


def pool(x: Tensor, kind: str) -> Tensor:
    """2×2 pooling with stride 2 of ``(N, C, H, W)``: ``"max"``, ``"avg"`` or ``"blur"``."""
    if kind == "max":
        return conv.max_pool2d(x, 2)
    if kind == "avg":
        return conv.avg_pool2d(x, 2)
    if kind == "blur":
        return BlurPool2d()(x)
    raise ValueError(f"kind must be 'max', 'avg' or 'blur', got {kind!r}")


def edge_maps(x: Tensor) -> Tensor:
    """ReLU of the four Sobel responses (±x, ±y) of flat canvas images: ``(N, 4, 16, 16)``."""
    kernels = torch.stack([SOBEL_X, -SOBEL_X, SOBEL_Y, -SOBEL_Y]).unsqueeze(1)  # (4, 1, 3, 3)
    return torch.relu(conv.conv2d(x.view(-1, 1, CANVAS, CANVAS), kernels, padding=1))


# ---------------------------------------------------------------------------------------------
# 1. Pooled features under shifts
# ---------------------------------------------------------------------------------------------


def pool_shift(shifts: tuple[int, ...] = (0, 1, 2, 3)) -> Result:
    """Shift every test digit right by d px; compare pooled edge maps before and after.

    For max pooling, two fractions of pooled values that are exactly unchanged, over cells where
    either map is non-zero: ``in_place`` (the same cell: invariance) and ``aligned`` (the best
    of the pooled map shifted by whole cells: equivariance; exact when d is a multiple of the
    stride, 2). For all three poolings, the relative L2 change ‖p(Tx) − Sp(x)‖ / ‖p(x)‖ with S
    the best whole-cell shift.

    Examples:
        >>> from dlnotes.experiments.conv_pool import pool_shift
        >>> r = pool_shift(shifts=(0, 2))
        >>> r["max"]["aligned"], r["max"]["rel_change"]
        ([1.0, 1.0], [0.0, 0.0])
    """
    _, _, x_test, _ = canvas_digits()
    maps = edge_maps(x_test)  # (N, 4, 16, 16)
    out: Result = {"shifts": list(shifts), "images": len(x_test)}
    for kind in POOLS:
        base = pool(maps, kind)  # (N, 4, 8, 8)
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


@plotting.styled
def plot_pool_shift(result: Result, lang: str = "en") -> Figure:
    """Top: max pool's unchanged fractions vs shift. Bottom: relative L2 change per pooling.

    Examples:
        >>> from dlnotes.experiments.conv_pool import plot_pool_shift, pool_shift
        >>> fig = plot_pool_shift(pool_shift(shifts=(0, 1)), lang="zh")
        >>> fig.axes[1].get_xlabel()
        '输入平移（像素）'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=4.8, nrows=2, sharex=True)
    xs = result["shifts"]
    top.plot(xs, result["max"]["aligned"], "o-", color=COLORS["max"], label=words["aligned"])
    top.plot(xs, result["max"]["in_place"], "s--", color=plotting.GREY, label=words["in_place"])
    top.set_ylim(-0.02, 1.05)
    top.set_ylabel(words["unchanged"])
    top.legend(loc="lower left")
    for kind in POOLS:
        bottom.plot(xs, result[kind]["rel_change"], "o-", color=COLORS[kind], label=words[kind])
    bottom.set_ylabel(words["rel_change"])
    bottom.set_xlabel(words["shift_px"])
    bottom.set_xticks(xs)
    fig.legend(handles=bottom.get_lines(), loc="outside lower center", ncols=3)
    return fig


# ---------------------------------------------------------------------------------------------
# 2. A trained CNN under shifts, rotations and scaling
# ---------------------------------------------------------------------------------------------


def make_net(pool_kind: str, channels: tuple[int, ...] = (8, 16)) -> nn.Sequential:
    """`training.make_cnn` on the 16×16 canvas, its 2×2 max pools swapped for ``pool_kind``."""
    net = make_cnn(channels, pool="avg" if pool_kind == "avg" else "max", image_size=CANVAS)
    if pool_kind == "blur":
        for i, layer in enumerate(net):
            if isinstance(layer, nn.MaxPool2d):
                net[i] = BlurPool2d()
    return net


def transform(x: Tensor, angle: float = 0.0, scale: float = 1.0) -> Tensor:
    """Rotate flat canvas images by ``angle`` degrees and scale them about the centre (bilinear)."""
    theta = math.radians(angle)
    # sampling grid: input point = R(−θ) · p / s for each output point p
    cos, sin = math.cos(theta) / scale, math.sin(theta) / scale
    mat = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]]).expand(len(x), 2, 3)
    img = x.view(-1, 1, CANVAS, CANVAS)
    grid = F.affine_grid(mat, list(img.shape), align_corners=False)
    return F.grid_sample(img, grid, align_corners=False).reshape(x.shape)


@torch.no_grad()
def _predict(net: nn.Module, x: Tensor) -> Tensor:
    return net(x).argmax(dim=1)


def cnn_invariance(
    seeds: tuple[int, ...] = (0, 1, 2),
    epochs: int = 4,
    shifts: tuple[int, ...] = (0, 1, 2, 3),
    angles: tuple[float, ...] = (0.0, 15.0, 30.0, 45.0),
    scales: tuple[float, ...] = (0.75, 1.0, 1.25),
) -> Result:
    """Train the canvas CNN with each pooling; test it on shifted, rotated and scaled digits.

    ``consistency[d]``: the fraction of test digits whose predicted class is the same after a
    d-px shift, averaged over the four directions (Zhang 2019's consistency, against the
    unshifted image). Rotation and scaling are about the canvas centre, and measured as test
    accuracy. Training sees only the centred digits (Adam, lr 10⁻², batch 64).

    Examples:
        >>> from dlnotes.experiments.conv_pool import cnn_invariance
        >>> r = cnn_invariance(seeds=(0,), epochs=1, shifts=(0, 1), angles=(0.0,), scales=(1.0,))
        >>> r["variants"]["max"]["consistency"]["mean"][0], len(r["filters"])
        (1.0, 8)
    """
    x_train, y_train, x_test, y_test = canvas_digits()
    filters: list[list[list[float]]] = []

    def run(kind: str, setting: int, generator: torch.Generator) -> dict[str, float | None]:
        net = make_net(kind)
        train(
            net,
            x_train,
            y_train,
            batch_size=64,
            epochs=epochs,
            generator=generator,
            optimizer=lambda p: torch.optim.Adam(p, lr=1e-2),
        )
        net.eval()
        if kind == "max" and not filters:
            filters.extend(net[1].weight.detach()[:, 0].tolist())
        plain = _predict(net, x_test)
        out: dict[str, float | None] = {}
        for d in shifts:
            moves = ((d, 0), (-d, 0), (0, d), (0, -d))
            same = [
                (_predict(net, shift(x_test, dx, dy)) == plain).float().mean() for dx, dy in moves
            ]
            out[f"shift{d}"] = torch.stack(same).mean().item()
        for a in angles:
            out[f"angle{a:g}"] = (
                (_predict(net, transform(x_test, angle=a)) == y_test).float().mean().item()
            )
        for s in scales:
            out[f"scale{s:g}"] = (
                (_predict(net, transform(x_test, scale=s)) == y_test).float().mean().item()
            )
        return out

    result = sweep(run, POOLS, [0], seeds, THREADS)
    variants: dict[str, Any] = {}
    for kind, metrics in result["variants"].items():

        def gather(keys: list[str], metrics: dict = metrics) -> dict[str, list]:
            return summarize([metrics[k]["per_seed"][0] for k in keys])

        variants[kind] = {
            "consistency": gather([f"shift{d}" for d in shifts]),
            "rotation": gather([f"angle{a:g}" for a in angles]),
            "scaling": gather([f"scale{s:g}" for s in scales]),
        }
    return {
        "seeds": list(seeds),
        "epochs": epochs,
        "shifts": list(shifts),
        "angles": list(angles),
        "scales": list(scales),
        "variants": variants,
        "filters": filters,
    }


@plotting.styled
def plot_cnn_invariance(result: Result, lang: str = "en") -> Figure:
    """Three stacked panels: consistency vs shift, accuracy vs rotation, accuracy vs scale.

    Examples:
        >>> from dlnotes.experiments.conv_pool import cnn_invariance, plot_cnn_invariance
        >>> r = cnn_invariance(seeds=(0,), epochs=1, shifts=(0, 1), angles=(0.0, 45.0))
        >>> len(plot_cnn_invariance(r).axes)
        3
    """
    words = LABELS[lang]
    fig, axes = plotting.figure(height=6.6, nrows=3)
    panels = (
        ("consistency", result["shifts"], words["consistency"], words["shift_px"]),
        ("rotation", result["angles"], words["accuracy"], words["angle"]),
        ("scaling", result["scales"], words["accuracy"], words["scale"]),
    )
    for ax, (metric, xs, ylabel, xlabel) in zip(axes, panels, strict=True):
        for kind in POOLS:
            label = words[kind] if metric == "consistency" else "_" + words[kind]
            plotting.band(ax, xs, result["variants"][kind][metric], color=COLORS[kind], label=label)
        ax.set_ylim(0, 1.02)
        ax.set_yticks([0.0, 0.5, 1.0])
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
    plotting.legend_below(fig, ncols=3)
    return fig


def feature_maps(digit_index: int = 0) -> Result:
    """One test digit, its two Sobel responses, and the max-pool CNN's first-layer filters."""
    _, _, x_test, _ = canvas_digits()
    img = x_test[digit_index : digit_index + 1]
    maps = conv.conv2d(img.view(1, 1, CANVAS, CANVAS), torch.stack([SOBEL_X, SOBEL_Y]).unsqueeze(1))
    return {
        "digit": img.view(CANVAS, CANVAS)[4:12, 4:12].tolist(),
        "sobel_x": maps[0, 0, 3:11, 3:11].tolist(),
        "sobel_y": maps[0, 1, 3:11, 3:11].tolist(),
        "filters": cnn_invariance(seeds=(0,), shifts=(0,), angles=(0.0,), scales=(1.0,))["filters"],
    }


@plotting.styled
def plot_feature_maps(result: Result, lang: str = "en") -> Figure:
    """Top row: digit, vertical-edge and horizontal-edge responses. Below: 8 learned filters, #1–#8.

    Examples:
        >>> from dlnotes.experiments.conv_pool import plot_feature_maps
        >>> r = {"digit": [[0.0] * 8] * 8, "sobel_x": [[0.0] * 8] * 8, "sobel_y": [[0.0] * 8] * 8,
        ...      "filters": [[[0.0] * 3] * 3] * 8}
        >>> len(plot_feature_maps(r, lang="zh").axes)
        11
    """
    from matplotlib.figure import Figure

    words = LABELS[lang]
    fig = Figure(figsize=(plotting.WIDTH, 4.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.15, 1.0])
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
    for n, (ax, f) in enumerate(zip(axes.flat, filters, strict=False), start=1):
        limit = max(float(abs(f).max()), 1e-9)
        ax.imshow(f, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"#{n}")
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
    (2, 2, 1),  # max pool 2×2
    (3, 1, 1),  # conv 3×3
    (3, 1, 2),  # conv 3×3, dilation 2
    (2, 2, 1),  # max pool 2×2
    (3, 1, 1),  # conv 3×3
)


def receptive_field_check(
    stack: tuple[tuple[int, int, int], ...] = STACK, size: int = 64
) -> Result:
    """Receptive field of each prefix of ``stack``: `conv.receptive_field` vs measured.

    The stack is real: ``(k, 1, d)`` is a 3×3 conv (random weights, dilation d, padding keeping
    the size) followed by ReLU, ``(k, k, 1)`` a k×k max pool. The measured receptive field is
    the width of the set of input columns with a non-zero gradient of the centre output (summed
    over channels) for a positive random input. The gradient magnitude along the centre row of
    the full stack is returned too: the *effective* receptive field is concentrated in the
    middle (Luo et al. 2016).

    Examples:
        >>> from dlnotes.experiments.conv_pool import receptive_field_check
        >>> r = receptive_field_check(stack=((3, 1, 1), (3, 1, 2)), size=16)
        >>> r["formula"], r["measured"]
        ([3, 7], [3, 7])

    Behind a max pool the measured support of one output can be narrower than the formula's
    receptive field: the gradient reaches only the argmax of each window.
    """
    with seeded(0):
        layers: list[nn.Module] = []
        channels = 4
        c_in = 1
        formula, measured = [], []
        x = torch.rand(1, 1, size, size) + 0.1
        for n, (k, s, d) in enumerate(stack):
            if s == 1:
                layer = nn.Conv2d(c_in, channels, k, padding=d * (k - 1) // 2, dilation=d)
                nn.init.uniform_(layer.weight, 0.1, 1.0)  # positive: no accidental cancellation
                layers.extend([layer, nn.ReLU()])
                c_in = channels
            else:
                layers.append(nn.MaxPool2d(k, s))
            net = nn.Sequential(*layers)
            xi = x.clone().requires_grad_(True)
            y = net(xi)  # (1, C, h, w)
            y[0, :, y.shape[2] // 2, y.shape[3] // 2].sum().backward()
            grad = xi.grad[0, 0]  # (size, size)
            cols = grad.abs().sum(dim=0).nonzero().flatten()
            measured.append(int(cols.max() - cols.min() + 1))
            formula.append(conv.receptive_field([tuple(layer) for layer in stack[: n + 1]]))
        row = grad.abs().sum(dim=0)
        centre = int(cols.float().mean().round())
    half = formula[-1] // 2 + 2
    profile = row[centre - half : centre + half + 1]
    return {
        "stack": [list(layer) for layer in stack],
        "formula": formula,
        "measured": measured,
        "profile_x": list(range(-half, half + 1)),
        "profile": (profile / profile.max()).tolist(),
    }


@plotting.styled
def plot_receptive_field(result: Result, lang: str = "en") -> Figure:
    """Top: receptive field vs depth, formula line and measured dots. Bottom: gradient profile.

    Examples:
        >>> from dlnotes.experiments.conv_pool import plot_receptive_field, receptive_field_check
        >>> r = receptive_field_check(stack=((3, 1, 1), (2, 2, 1)), size=16)
        >>> plot_receptive_field(r, lang="zh").axes[0].get_ylabel()
        '感受野（像素）'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=4.8, nrows=2)
    depth = list(range(1, len(result["formula"]) + 1))
    top.plot(depth, result["formula"], "-", color=COLORS["max"], label=words["formula"])
    top.plot(depth, result["measured"], "o", color=COLORS["avg"], label=words["measured"])
    top.set_xticks(depth)
    top.set_xlabel(words["layer"])
    top.set_ylabel(words["rf"])
    top.legend(loc="upper left")
    bottom.bar(result["profile_x"], result["profile"], color=COLORS["blur"], width=0.9)
    bottom.set_xlabel(words["column"])
    bottom.set_ylabel(
        words["profile"].replace(" |", "\n|", 1) if lang == "en" else words["profile"]
    )
    return fig


FIGURES: dict[str, tuple[Any, Any]] = {
    "conv-pool-shift": (pool_shift, plot_pool_shift),
    "conv-invariance": (cnn_invariance, plot_cnn_invariance),
    "conv-filters": (feature_maps, plot_feature_maps),
    "conv-receptive-field": (receptive_field_check, plot_receptive_field),
}
