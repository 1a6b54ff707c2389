"""Tests of dlnotes.resnet: shapes, parameter counts, torch equivalence, torchvision's layout.

Torch equivalence: every block is rebuilt below from torch.nn.Conv2d, torch.nn.BatchNorm2d and
F.relu following the papers and torchvision's source, its weights are copied from ours with
``load_state_dict(strict=True)`` (so the names match too), and outputs, input gradients,
parameter gradients and running statistics are compared in train and eval mode, fp32 at
atol=rtol=1e-5 and fp64 at 1e-10. Random tensors come from a torch.Generator seeded by
hypothesis, so a failing example reproduces from its printout.

torchvision cannot be installed next to CPU torch (see the toolchain notes), so its published
``state_dict`` layout is stored as data in ``tests/data/torchvision_resnet{18,50}_state_dict.txt``.
"""

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from dlerrors import raises_naming
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn
from torch.testing import assert_close

from dlnotes.norm import BatchNorm2d
from dlnotes.resnet import (
    BasicBlock,
    Bottleneck,
    PreActBlock,
    ResNet,
    ZeroPadShortcut,
    resnet18,
    resnet50,
)

DATA = Path(__file__).parent / "data"
TOL = {torch.float32: {"atol": 1e-5, "rtol": 1e-5}, torch.float64: {"atol": 1e-10, "rtol": 1e-10}}
FAST = settings(max_examples=40, deadline=None)
KINDS = ("basic", "bottleneck", "preact")
SHORTCUTS = ("A", "B", "C", None)

seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from([torch.float32, torch.float64])


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Small tensors: on a busy 2-core machine torch's thread pool only adds waiting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def default_nets() -> dict[str, ResNet]:
    """resnet18() and resnet50() with default arguments, built once; tests must not change them."""
    return {"resnet18": resnet18(), "resnet50": resnet50()}


def make_block(kind: str, c_in: int, c: int, stride: int, shortcut, **kwargs) -> nn.Module:
    """Our block; `c` is out_channels (basic, preact) or width (bottleneck)."""
    if kind == "basic":
        return BasicBlock(c_in, c, stride, shortcut, **kwargs)
    if kind == "bottleneck":
        return Bottleneck(c_in, c, stride, shortcut, **kwargs)
    return PreActBlock(c_in, c, stride, **kwargs)


def out_channels(kind: str, c: int) -> int:
    return 4 * c if kind == "bottleneck" else c


@st.composite
def block_configs(draw, max_stride: int = 3) -> dict:
    kind = draw(st.sampled_from(KINDS))
    return {
        "kind": kind,
        "c_in": draw(st.integers(1, 6)),
        "c": draw(st.integers(1, 6)),
        "stride": draw(st.integers(1, max_stride)),
        "shortcut": "-" if kind == "preact" else draw(st.sampled_from(SHORTCUTS)),
    }


def invalid_option_a(config: dict) -> bool:
    """Shortcut "A" cannot remove channels."""
    c_out = out_channels(config["kind"], config["c"])
    return config["shortcut"] == "A" and c_out < config["c_in"]


# --------------------------------------------------------------------------------- shapes


@FAST
@given(config=block_configs(), n=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9))
def test_block_output_shape_for_every_stride_and_channel_change(config, n, h, w):
    if invalid_option_a(config):
        with raises_naming(ValueError, "out_channels", "in_channels"):
            make_block(**config)
        return
    block = make_block(**config).eval()  # eval: BN also accepts a single value per channel
    s, c_out = config["stride"], out_channels(config["kind"], config["c"])
    y = block(torch.randn(n, config["c_in"], h, w))
    # a 3×3 conv with padding 1 and stride s, and the subsampling x[::s]: ⌈H/s⌉ = ⌊(H−1)/s⌋ + 1
    assert y.shape == (n, c_out, math.ceil(h / s), math.ceil(w / s))


@FAST
@given(config=block_configs())
def test_shortcut_kind_follows_the_option(config):
    """B: projection only where the shape changes; C: always; A: parameter-free; None: none."""
    if invalid_option_a(config):
        return
    block = make_block(**config)
    c_out = out_channels(config["kind"], config["c"])
    changes = config["stride"] != 1 or config["c_in"] != c_out
    shortcut, down = config["shortcut"], block.downsample
    if shortcut in ("B", "C", "-") and (changes or shortcut == "C"):
        assert isinstance(down, nn.Sequential)
        assert isinstance(down[0], nn.Conv2d) and down[0].kernel_size == (1, 1)
        assert down[0].stride == (config["stride"],) * 2
        assert len(down) == (1 if shortcut == "-" else 2)  # pre-activation: no BN after W_s
    elif shortcut == "A" and changes:
        assert isinstance(down, ZeroPadShortcut) and not list(down.parameters())
    else:
        assert down is None


def test_zero_pad_shortcut_subsamples_and_appends_zero_channels():
    x = torch.randn(2, 3, 5, 7)
    y = ZeroPadShortcut(3, 8, stride=2)(x)
    assert y.shape == (2, 8, 3, 4)
    assert torch.equal(y[:, :3], x[:, :, ::2, ::2])  # channel c < C_in is input channel c
    assert torch.equal(y[:, 3:], torch.zeros(2, 5, 3, 4))
    assert torch.equal(ZeroPadShortcut(3, 3)(x), x)


def stage_outputs(net: ResNet, x: Tensor) -> dict[str, tuple[int, ...]]:
    shapes = {}
    names = ["conv1", "maxpool", *[f"layer{i + 1}" for i in range(net.num_stages)], "fc"]
    hooks = [
        getattr(net, name).register_forward_hook(
            lambda _m, _i, out, name=name: shapes.__setitem__(name, tuple(out.shape))
        )
        for name in names
    ]
    net(x)
    for hook in hooks:
        hook.remove()
    return shapes


def test_resnet18_stem_and_stage_resolutions():
    """ImageNet stem: /2 (7×7 conv), /2 (max-pool); stages 2-4 halve again."""
    net = resnet18(num_classes=7).eval()
    shapes = stage_outputs(net, torch.randn(1, 3, 64, 64))
    assert shapes == {
        "conv1": (1, 64, 32, 32),
        "maxpool": (1, 64, 16, 16),
        "layer1": (1, 64, 16, 16),
        "layer2": (1, 128, 8, 8),
        "layer3": (1, 256, 4, 4),
        "layer4": (1, 512, 2, 2),
        "fc": (1, 7),
    }
    assert (net.conv1.kernel_size, net.conv1.stride, net.conv1.padding) == ((7, 7), (2, 2), (3, 3))
    assert isinstance(net.maxpool, nn.MaxPool2d)
    assert (net.maxpool.kernel_size, net.maxpool.stride, net.maxpool.padding) == (3, 2, 1)
    assert isinstance(net.avgpool, nn.AdaptiveAvgPool2d) and net.avgpool.output_size == (1, 1)


def test_small_input_stem_keeps_the_resolution():
    net = resnet18(num_classes=10, in_channels=1, small_input=True).eval()
    shapes = stage_outputs(net, torch.randn(2, 1, 8, 8))
    assert shapes["conv1"] == shapes["maxpool"] == shapes["layer1"] == (2, 64, 8, 8)
    assert shapes["layer4"] == (2, 512, 1, 1) and shapes["fc"] == (2, 10)
    assert net.conv1.kernel_size == (3, 3) and net.conv1.stride == (1, 1)
    assert isinstance(net.maxpool, nn.Identity)
    # same keys as the ImageNet model; only the stem conv's shape differs
    big = resnet18(num_classes=10).state_dict()
    small = net.state_dict()
    assert list(small) == list(big)
    assert [k for k in big if big[k].shape != small[k].shape] == ["conv1.weight"]


def test_resnet50_is_v1_5_stride_on_the_3x3(default_nets):
    net = default_nets["resnet50"]
    for stage, stride in zip(net.stages(), (1, 2, 2, 2), strict=True):
        for i, block in enumerate(stage):
            assert block.conv2.stride == ((stride, stride) if i == 0 else (1, 1))
            assert block.conv1.stride == block.conv3.stride == (1, 1)
    net.eval()
    with torch.no_grad():
        y = net(torch.randn(1, 3, 32, 32))
    net.train()
    assert y.shape == (1, 1000) and torch.isfinite(y).all()


# ------------------------------------------------------------------------ parameter counts
# A k×k convolution from a to b channels without bias has k·k·a·b weights; a BN layer over c
# channels has 2c parameters (γ, β; the running statistics are buffers).


def conv_params(k: int, a: int, b: int) -> int:
    return k * k * a * b


def bn_params(c: int) -> int:
    return 2 * c


def projection_params(shortcut, c_in: int, c_out: int, stride: int, bn: bool = True) -> int:
    changes = stride != 1 or c_in != c_out
    if shortcut == "C" or (shortcut in ("B", "-") and changes):
        return conv_params(1, c_in, c_out) + (bn_params(c_out) if bn else 0)
    return 0  # identity, zero-padding or no shortcut


def block_params(kind: str, c_in: int, c: int, stride: int, shortcut) -> int:
    if kind == "basic":  # 3×3 a→c, BN, 3×3 c→c, BN
        branch = conv_params(3, c_in, c) + bn_params(c) + conv_params(3, c, c) + bn_params(c)
        return branch + projection_params(shortcut, c_in, c, stride)
    if kind == "bottleneck":  # 1×1 a→w, BN, 3×3 w→w, BN, 1×1 w→4w, BN
        branch = conv_params(1, c_in, c) + conv_params(3, c, c) + conv_params(1, c, 4 * c)
        branch += bn_params(c) + bn_params(c) + bn_params(4 * c)
        return branch + projection_params(shortcut, c_in, 4 * c, stride)
    # pre-activation: BN over the input, 3×3 a→c, BN, 3×3 c→c; projection without BN
    branch = bn_params(c_in) + conv_params(3, c_in, c) + bn_params(c) + conv_params(3, c, c)
    return branch + projection_params("-", c_in, c, stride, bn=False)


def resnet_params(kind: str, layers, widths, num_classes: int, in_channels: int = 3) -> int:
    expansion = 4 if kind == "bottleneck" else 1
    total = conv_params(7, in_channels, widths[0]) + bn_params(widths[0])  # stem
    channels = widths[0]
    for i, (n, w) in enumerate(zip(layers, widths, strict=True)):
        for j in range(n):
            total += block_params(kind, channels, w, 2 if i > 0 and j == 0 else 1, "B")
            channels = w * expansion
    return total + channels * num_classes + num_classes  # fc: weight and bias


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    ("block", "closed_form", "expected"),
    [
        # 2 · 3·3·64·64 + 2 · 2·64
        (BasicBlock(64, 64), 2 * 9 * 64 * 64 + 2 * 2 * 64, 73_984),
        # 3·3·64·128 + 3·3·128·128 + 1·1·64·128 (projection) + 3 · 2·128
        (BasicBlock(64, 128, stride=2), 9 * 64 * 128 + 9 * 128 * 128 + 64 * 128 + 3 * 256, 230_144),
        # 256·64 + 3·3·64·64 + 64·256 + 2·(64 + 64 + 256)
        (Bottleneck(256, 64), 256 * 64 + 9 * 64 * 64 + 64 * 256 + 2 * (64 + 64 + 256), 70_400),
        # 64·64 + 3·3·64·64 + 64·256 + 2·(64 + 64 + 256) + 64·256 + 2·256 (projection)
        (
            Bottleneck(64, 64),
            64 * 64 + 9 * 64 * 64 + 64 * 256 + 2 * (64 + 64 + 256) + 64 * 256 + 2 * 256,
            75_008,
        ),
    ],
    ids=["basic-64-64", "basic-64-128-s2", "bottleneck-256-64", "bottleneck-64-64"],
)
def test_block_parameter_counts(block, closed_form, expected):
    assert closed_form == expected
    assert count(block) == expected


def test_bottleneck_is_cheaper_than_two_3x3_at_256_channels():
    """The brief's arithmetic: 16,384 + 36,864 + 16,384 = 69,632 conv weights."""
    convs = Bottleneck(256, 64)
    weights = sum(m.weight.numel() for m in convs.modules() if isinstance(m, nn.Conv2d))
    assert weights == 256 * 64 + 9 * 64 * 64 + 64 * 256 == 69_632
    assert weights < 2 * 9 * 64 * 64 < 2 * 9 * 256 * 256


@FAST
@given(config=block_configs())
def test_block_parameter_count_matches_closed_form(config):
    if invalid_option_a(config):
        return
    assert count(make_block(**config)) == block_params(**config)


@pytest.mark.parametrize(
    ("name", "kind", "layers", "expected"),
    [
        ("resnet18", "basic", (2, 2, 2, 2), 11_689_512),
        ("resnet50", "bottleneck", (3, 4, 6, 3), 25_557_032),
    ],
)
def test_resnet_parameter_counts(default_nets, name, kind, layers, expected):
    widths = (64, 128, 256, 512)
    assert resnet_params(kind, layers, widths, 1000) == expected
    assert count(default_nets[name]) == expected


def test_resnet_parameter_count_with_other_classes_and_inputs():
    net = resnet18(num_classes=10, in_channels=1)
    assert count(net) == resnet_params("basic", (2, 2, 2, 2), (64, 128, 256, 512), 10, 1)


# ------------------------------------------------------------------ torchvision's layout


def published_layout(name: str) -> list[tuple[str, tuple[int, ...]]]:
    layout = []
    for line in (DATA / f"torchvision_{name}_state_dict.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            key, shape = line.split()
            layout.append((key, () if shape == "-" else tuple(map(int, shape.split("x")))))
    return layout


def is_buffer(key: str) -> bool:
    return key.rsplit(".", 1)[1] in ("running_mean", "running_var", "num_batches_tracked")


@pytest.mark.parametrize(
    ("name", "build", "published_count"),
    [("resnet18", resnet18, 11_689_512), ("resnet50", resnet50, 25_557_032)],
)
def test_state_dict_has_torchvision_keys_and_shapes(name, build, published_count):
    layout = published_layout(name)
    # the stored data agrees with the parameter count torchvision publishes
    assert sum(math.prod(s) for k, s in layout if not is_buffer(k)) == published_count
    ours = build()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == layout
    # a checkpoint with exactly these keys and shapes loads strictly, every value lands
    gen = torch.Generator().manual_seed(0)
    checkpoint = {
        key: torch.tensor(7)
        if key.endswith("num_batches_tracked")
        else torch.rand(*shape, generator=gen)
        for key, shape in layout
    }
    result = ours.load_state_dict(checkpoint, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert all(torch.equal(ours.state_dict()[k], v) for k, v in checkpoint.items())
    assert {n for n, _ in ours.named_modules()} >= {
        "conv1",
        "bn1",
        "relu",
        "maxpool",
        "avgpool",
        "fc",
    }


def test_torch_batch_norm_variant_is_interchangeable():
    """norm_layer=nn.BatchNorm2d gives the same keys, and the same function (fp64).

    4 × 16 × 16 input: layer4 then works at 1 × 1, and its BNs see 4 values per channel (with
    2, rounding differences grow to 2e-10 over 20 layers).
    """
    torch.manual_seed(0)
    ours = resnet18(num_classes=5).double()
    with torch.no_grad():
        for m in ours.modules():
            if isinstance(m, BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_()
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2)
    theirs = resnet18(num_classes=5, norm_layer=nn.BatchNorm2d).double()
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(4, 3, 16, 16, dtype=torch.float64)
    for training in (False, True):
        ours.train(training)
        theirs.train(training)
        assert_close(ours(x), theirs(x), **TOL[torch.float64])


# --------------------------------------------------------------------------- initialization


def test_resnet_initialization_is_torchvision_s():
    torch.manual_seed(0)
    net = resnet18()
    for name, m in net.named_modules():
        if isinstance(m, nn.Conv2d):
            # kaiming_normal_(fan_out, relu): std = √(2 / (C_out · k · k)), mean 0
            fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
            w = m.weight.detach()
            assert w.std().item() == pytest.approx(math.sqrt(2 / fan_out), rel=0.05), name
            assert abs(w.mean().item()) < 3 * math.sqrt(2 / fan_out / w.numel()), name
        elif isinstance(m, BatchNorm2d):
            assert torch.equal(m.weight, torch.ones_like(m.weight)), name
            assert torch.equal(m.bias, torch.zeros_like(m.bias)), name
            assert torch.equal(m.running_mean, torch.zeros_like(m.running_mean)), name
            assert torch.equal(m.running_var, torch.ones_like(m.running_var)), name
    # fc keeps nn.Linear's default: U(−1/√fan_in, 1/√fan_in) for weight and bias
    bound = 1 / math.sqrt(512)
    assert net.fc.weight.abs().max() <= bound and net.fc.bias.abs().max() <= bound
    assert net.fc.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize(("build", "last"), [(resnet18, "bn2"), (resnet50, "bn3")])
def test_zero_init_residual_zeroes_exactly_the_last_gamma_of_each_block(build, last):
    net = build(zero_init_residual=True)
    blocks = [m for m in net.modules() if isinstance(m, (BasicBlock, Bottleneck))]
    assert len(blocks) == (8 if build is resnet18 else 16)
    zero = {f"{name}.{last}" for name, m in net.named_modules() if m in blocks}
    for name, m in net.named_modules():
        if isinstance(m, BatchNorm2d):
            expected = 0.0 if name in zero else 1.0
            assert torch.equal(m.weight, torch.full_like(m.weight, expected)), name


# ---------------------------------------------------------------------- identity at init


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    "block",
    [
        BasicBlock(6, 6, shortcut="A", zero_init_residual=True),
        BasicBlock(6, 6, shortcut="B", zero_init_residual=True),
        Bottleneck(8, 2, shortcut="B", zero_init_residual=True),
    ],
    ids=["basic-A", "basic-B", "bottleneck-B"],
)
def test_zero_gamma_block_is_relu_of_identity(block, training):
    """y = ReLU(0 + x) = ReLU(x) for any x; y = x only where x ≥ 0."""
    block.train(training)
    last = block.bn3 if isinstance(block, Bottleneck) else block.bn2
    norms = [m for m in block.modules() if isinstance(m, BatchNorm2d)]
    assert [m is last for m in norms] == [bool((m.weight == 0).all()) for m in norms]
    x = torch.randn(4, block.in_channels, 5, 5)
    assert torch.equal(block(x), F.relu(x))
    assert torch.equal(block(x.abs()), x.abs())
    assert not torch.equal(block(x), x)  # negative inputs are cut: not the identity


@pytest.mark.parametrize("training", [True, False])
def test_zero_gamma_with_a_changed_shape(training):
    """Option A: ReLU of the padded identity. B/C projections: ReLU(W_s x), not the identity."""
    x = torch.randn(4, 4, 6, 6)
    a = BasicBlock(4, 8, stride=2, shortcut="A", zero_init_residual=True).train(training)
    padded = torch.cat([x[:, :, ::2, ::2], torch.zeros(4, 4, 3, 3)], dim=1)
    assert torch.equal(a(x), F.relu(padded))
    for block in (
        BasicBlock(4, 8, stride=2, shortcut="B", zero_init_residual=True),
        BasicBlock(4, 4, shortcut="C", zero_init_residual=True),
        Bottleneck(4, 2, shortcut="B", zero_init_residual=True),
    ):
        block.train(training)
        assert torch.equal(block(x), F.relu(block.downsample(x)))
    c = BasicBlock(4, 4, shortcut="C", zero_init_residual=True).train(training)
    assert not torch.allclose(c(x.abs()), x.abs())  # a projection is not the identity


@pytest.mark.parametrize("training", [True, False])
def test_zero_gamma_pre_activation_block_is_exactly_the_identity(training):
    """No ReLU after the addition: x + conv₂(ReLU(0·x̂ + 0)) = x, for either sign of x."""
    x = torch.randn(4, 6, 5, 5)
    block = PreActBlock(6, 6, zero_init_residual=True).train(training)
    assert torch.equal(block(x), x)
    projected = PreActBlock(6, 12, stride=2, zero_init_residual=True).train(training)
    assert torch.equal(projected(x), projected.downsample(F.relu(projected.bn1(x))))


# ---------------------------------------------------- equal to a composition of torch layers


def needs_projection(shortcut, c_in: int, c_out: int, stride: int) -> bool:
    return shortcut == "C" or (shortcut in ("B", "-") and (stride != 1 or c_in != c_out))


def torch_conv(k: int, a: int, b: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(a, b, k, stride=stride, padding=k // 2, bias=False)


class TorchPostActivation(nn.Module):
    """BasicBlock / Bottleneck from torch layers: y = ReLU(F(x) + shortcut(x))."""

    def __init__(self, kind: str, c_in: int, c: int, stride: int, shortcut) -> None:
        super().__init__()
        self.kind, self.stride, self.shortcut = kind, stride, shortcut
        self.c_out = out_channels(kind, c)
        if kind == "basic":
            self.conv1, self.bn1 = torch_conv(3, c_in, c, stride), nn.BatchNorm2d(c)
            self.conv2, self.bn2 = torch_conv(3, c, c), nn.BatchNorm2d(c)
        else:  # 1×1, then the 3×3 with the stride (torchvision v1.5), then 1×1 to 4c
            self.conv1, self.bn1 = torch_conv(1, c_in, c), nn.BatchNorm2d(c)
            self.conv2, self.bn2 = torch_conv(3, c, c, stride), nn.BatchNorm2d(c)
            self.conv3, self.bn3 = torch_conv(1, c, 4 * c), nn.BatchNorm2d(4 * c)
        self.downsample = None
        if needs_projection(shortcut, c_in, self.c_out, stride):
            self.downsample = nn.Sequential(
                torch_conv(1, c_in, self.c_out, stride), nn.BatchNorm2d(self.c_out)
            )

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        if self.kind == "basic":
            out = self.bn2(self.conv2(out))
        else:
            out = F.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
        if self.shortcut is None:
            return F.relu(out)
        if self.downsample is not None:
            return F.relu(out + self.downsample(x))
        s = self.stride  # option A (or a plain identity): subsample, then zero channels after
        kept = x[:, :, ::s, ::s]
        zeros = kept.new_zeros(kept.shape[0], self.c_out - kept.shape[1], *kept.shape[2:])
        return F.relu(out + torch.cat([kept, zeros], dim=1))


class TorchPreActivation(nn.Module):
    """PreActBlock from torch layers: x + conv₂(ReLU(BN₂(conv₁(ReLU(BN₁ x)))))."""

    def __init__(self, c_in: int, c: int, stride: int) -> None:
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(c_in), torch_conv(3, c_in, c, stride)
        self.bn2, self.conv2 = nn.BatchNorm2d(c), torch_conv(3, c, c)
        self.downsample = None
        if needs_projection("-", c_in, c, stride):
            self.downsample = nn.Sequential(torch_conv(1, c_in, c, stride))

    def forward(self, x: Tensor) -> Tensor:
        pre = F.relu(self.bn1(x))
        out = self.conv2(F.relu(self.bn2(self.conv1(pre))))
        return out + (x if self.downsample is None else self.downsample(pre))


def torch_twin(kind: str, c_in: int, c: int, stride: int, shortcut) -> nn.Module:
    if kind == "preact":
        return TorchPreActivation(c_in, c, stride)
    return TorchPostActivation(kind, c_in, c, stride, shortcut)


def randomize_(module: nn.Module, gen: torch.Generator) -> None:
    """Random weights and running statistics, so that no term is trivially 0 or 1."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if t.dim() == 4:  # conv weight: He-scaled
                fan_in = t.shape[1] * t.shape[2] * t.shape[3]
                t.copy_(torch.randn(t.shape, generator=gen) * math.sqrt(2 / fan_in))
            elif name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) * 1.5 + 0.5)
            elif name.endswith("weight"):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            else:  # BN bias, running_mean
                t.copy_(torch.randn(t.shape, generator=gen) * 0.5)


def forward_backward(module: nn.Module, x: Tensor, g: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """`module(x)` and the gradients of `Σ g ⊙ module(x)` w.r.t. the input and every parameter."""
    x = x.clone().requires_grad_()
    y = module(x)
    (y * g).sum().backward()
    return y.detach(), {"input": x.grad, **{n: p.grad for n, p in module.named_parameters()}}


@FAST
@given(
    config=block_configs(max_stride=2),
    seed=seeds,
    dtype=dtypes,
    training=st.booleans(),
    size=st.tuples(st.integers(2, 4), st.integers(3, 6), st.integers(3, 6)),
)
def test_block_equals_composition_of_torch_layers(config, seed, dtype, training, size):
    """Values, running statistics and fp64 gradients at the standard tolerances.

    fp32 gradients: atol is 1e-5 × G, G the largest gradient entry of the block (at least 1).
    Entries computed by cancellation carry rounding errors the size of the terms that cancel,
    i.e. of G, not of the entry: BN's backward subtracts the mean of the upstream gradient, and
    a conv feeding a BN gets a weight gradient orthogonal to its weights (the loss does not
    change with a channel's scale), which is 0 up to ε for a 1×1 conv from one channel. In train
    mode a Bottleneck chains three BNs over as few as 2·3·3 = 18 values per channel. Examples
    hypothesis found with atol=1e-5 (|ours − torch|, |ours − fp64|, |torch − fp64|, G):
    conv3.weight 2.7e-5, 0.9e-5, 3.6e-5, G = 11; conv1.weight from one channel 3.1e-5,
    2.9e-5, 0.2e-5, G = 41. A wiring bug changes gradients by a fraction of G, not 1e-6 of it.
    """
    if invalid_option_a(config):
        return
    gen = torch.Generator().manual_seed(seed)
    ours = make_block(**config)
    randomize_(ours, gen)
    ours = ours.to(dtype).train(training)
    twin = torch_twin(**config).to(dtype).train(training)
    twin.load_state_dict(ours.state_dict(), strict=True)  # same names, weights copied

    n, h, w = size
    x = torch.randn(n, config["c_in"], h, w, generator=gen, dtype=dtype)
    s, c_out = config["stride"], out_channels(config["kind"], config["c"])
    g = torch.randn(n, c_out, math.ceil(h / s), math.ceil(w / s), generator=gen, dtype=dtype)
    y1, grads1 = forward_backward(ours, x, g)
    y2, grads2 = forward_backward(twin, x, g)
    assert_close(y1, y2, **TOL[dtype])
    assert list(grads1) == list(grads2)
    tol = TOL[dtype]
    if dtype == torch.float32:
        scale = max(1.0, *(grad.abs().max().item() for grad in grads2.values()))  # G
        tol = {"atol": 1e-5 * scale, "rtol": 1e-5}
    for name, grad in grads1.items():
        assert_close(grad, grads2[name], **tol, msg=name)
    buffers = twin.state_dict()
    for name, b in ours.state_dict().items():  # running statistics, num_batches_tracked
        assert_close(b, buffers[name], **TOL[dtype], msg=name)


# ----------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("build", "error", "names"),
    [
        (lambda: BasicBlock(0, 4), ValueError, ("in_channels",)),
        (lambda: BasicBlock(4, -1), ValueError, ("out_channels",)),
        (lambda: BasicBlock(4, 4, stride=0), ValueError, ("stride",)),
        (lambda: BasicBlock(4.0, 4), TypeError, ("in_channels",)),
        (lambda: BasicBlock(4, 4, stride=(2, 2)), TypeError, ("stride",)),
        (
            lambda: BasicBlock(4, 4, shortcut="D"),
            ValueError,
            ("shortcut", "'A'", "'B'", "'C'"),
        ),
        (lambda: BasicBlock(4, 4, shortcut="b"), ValueError, ("shortcut", "'A'", "'B'", "'C'")),
        (lambda: BasicBlock(4, 4, shortcut=1), TypeError, ("shortcut", "'A'", "'B'", "'C'")),
        (
            lambda: BasicBlock(8, 4, shortcut="A"),
            ValueError,
            ("shortcut", "out_channels", "in_channels"),
        ),
        (
            lambda: Bottleneck(64, 8, shortcut="A"),
            ValueError,
            ("shortcut", "out_channels", "in_channels"),
        ),
        (lambda: Bottleneck(4, 0), ValueError, ("width",)),
        (lambda: PreActBlock(4, 4, stride=-2), ValueError, ("stride",)),
        (
            lambda: BasicBlock(4, 4, zero_init_residual=1),
            TypeError,
            ("zero_init_residual",),
        ),
        (
            lambda: BasicBlock(4, 4, shortcut=None, zero_init_residual=True),
            ValueError,
            ("zero_init_residual", "shortcut"),
        ),
        (
            lambda: Bottleneck(4, 1, shortcut=None, zero_init_residual=True),
            ValueError,
            ("zero_init_residual", "shortcut"),
        ),
        (
            lambda: BasicBlock(4, 4, zero_init_residual=True, norm_layer=nn.Identity),
            ValueError,
            ("zero_init_residual", "bn2"),
        ),
        (
            lambda: PreActBlock(4, 4, zero_init_residual=True, norm_layer=nn.Identity),
            ValueError,
            ("zero_init_residual", "bn2"),
        ),
        (lambda: BasicBlock(4, 4, norm_layer="bn"), TypeError, ("norm_layer",)),
        (lambda: ZeroPadShortcut(8, 4), ValueError, ("shortcut", "out_channels", "in_channels")),
        (lambda: ResNet(PreActBlock, [1]), TypeError, ("block", "BasicBlock", "Bottleneck")),
        (lambda: ResNet(BasicBlock, [1, 1], widths=(8,)), ValueError, ("layers", "widths")),
        (lambda: ResNet(BasicBlock, [], widths=()), ValueError, ("layers", "widths")),
        (lambda: ResNet(BasicBlock, 2, widths=(8,)), TypeError, ("layers",)),
        (
            lambda: ResNet(BasicBlock, [1, 0], widths=(8, 8)),
            ValueError,
            ("layers[1]",),
        ),
        (lambda: ResNet(BasicBlock, [1], widths=(-8,)), ValueError, ("widths[0]",)),
        (lambda: resnet18(num_classes=0), ValueError, ("num_classes",)),
        (lambda: resnet18(in_channels=0), ValueError, ("in_channels",)),
        (lambda: resnet18(small_input="yes"), TypeError, ("small_input",)),
        (lambda: resnet18(shortcut="D"), ValueError, ("shortcut", "'A'", "'B'", "'C'")),
    ],
)
def test_impossible_configurations_raise_clear_errors(build, error, names):
    with raises_naming(error, *names):
        build()


@pytest.mark.parametrize(
    ("module", "input", "error", "names"),
    [
        (
            BasicBlock(4, 4),
            torch.randn(4, 4, 4),
            ValueError,
            ("x", "(N, C_in=4, H, W)"),
        ),
        (
            BasicBlock(4, 4),
            torch.randn(2, 3, 4, 4),
            ValueError,
            ("x", "(N, C_in=4, H, W)"),
        ),
        (Bottleneck(8, 2), torch.randn(2, 4, 4, 4), ValueError, ("x", "(N, C_in=8, H, W)")),
        (
            PreActBlock(4, 4),
            torch.ones(2, 4, 4, 4, dtype=torch.long),
            TypeError,
            ("x", "floating-point"),
        ),
        (
            BasicBlock(4, 4),
            torch.randn(2, 4, 4, 4, dtype=torch.float64),
            TypeError,
            ("x", "dtype"),
        ),
        (ZeroPadShortcut(2, 4), [[1.0]], TypeError, ("input", "torch.Tensor", "(N, C_in=2, H, W)")),
        (
            ResNet(BasicBlock, [1], widths=(8,), in_channels=1, small_input=True),
            torch.randn(2, 3, 8, 8),
            ValueError,
            ("x", "(N, C_in=1, H, W)"),
        ),
    ],
)
def test_bad_input_raises_clear_errors(module, input, error, names):
    with raises_naming(error, *names):
        module(input)


def test_norm_layer_without_bias_is_initialized() -> None:
    """torchvision's init sets β = 0 only where there is a β (BatchNorm2d(bias=False) has none)."""
    model = resnet18(num_classes=3, norm_layer=lambda c: BatchNorm2d(c, bias=False))
    assert model.bn1.bias is None
    assert torch.equal(model.bn1.weight, torch.ones(64))
