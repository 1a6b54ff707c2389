"""Property tests: dlnotes.conv against torch.nn.functional and torch.nn.

Every tensor comes from a torch.Generator seeded with a hypothesis-drawn integer, so a failing
example reproduces from hypothesis' printout. Values and gradients (input, weight, bias) are
compared with fp32 atol=rtol=1e-5 and fp64 atol=rtol=1e-10: sums here have at most a few
hundred terms of size ~1, so float32 rounding stays near 1e-6 relative to the largest terms.
"""

import math
import warnings
from collections.abc import Callable, Sequence

import pytest
import torch
import torch.nn.functional as F
from dlerrors import raises_naming
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn
from torch.testing import assert_close

from dlnotes.conv import (
    AvgPool2d,
    Conv2d,
    MaxPool2d,
    avg_pool2d,
    conv2d,
    conv2d_naive,
    conv_output_size,
    conv_param_count,
    max_pool2d,
    receptive_field,
    unfold,
)

TOL = {torch.float32: {"atol": 1e-5, "rtol": 1e-5}, torch.float64: {"atol": 1e-10, "rtol": 1e-10}}
FAST = settings(max_examples=60, deadline=None)

seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from([torch.float32, torch.float64])
# How the input sits in memory: as_strided-based windows must follow the real strides.
layouts = st.sampled_from(["contiguous", "channels_last", "transposed"])


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Tiny tensors: torch's thread pool only adds overhead on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _quiet_same_padding_warning():
    # torch warns (once) that 'same' with an even kernel pads a copy of the input; not our concern.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using padding='same'", category=UserWarning)
        yield


def randn(gen: torch.Generator, shape: Sequence[int], dtype: torch.dtype) -> Tensor:
    return torch.randn(tuple(shape), generator=gen, dtype=dtype)


def distinct(gen: torch.Generator, shape: Sequence[int], dtype: torch.dtype) -> Tensor:
    """Values with no ties (a shuffled ramp), so max pooling's argmax is unique."""
    n = math.prod(shape)
    return (torch.randperm(n, generator=gen).to(dtype) / max(n, 1) - 0.5).reshape(tuple(shape))


def with_layout(x: Tensor, layout: str) -> Tensor:
    """The same values in another memory layout (channels-last, or a transposed view)."""
    if layout == "channels_last" and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    if layout == "transposed":
        return x.transpose(-1, -2).contiguous().transpose(-1, -2)
    return x


def forward_backward(
    fn: Callable[..., Tensor], leaves: Sequence[Tensor | None], gen: torch.Generator
) -> tuple[Tensor, list[Tensor | None]]:
    """Run fn on leaf copies of ``leaves``, backprop a seeded random gradient; (out, grads).

    Copies keep the layout (``clone`` preserves strides), so both sides see the same tensors.
    """
    copies = [None if t is None else t.detach().clone().requires_grad_() for t in leaves]
    out = fn(*copies)
    out.backward(torch.randn(out.shape, generator=gen, dtype=out.dtype))
    return out.detach(), [None if t is None else t.grad for t in copies]


def check_same(fn_ours, fn_torch, leaves, seed: int, tol) -> Tensor:
    """Values and every gradient of ours equal torch's; returns torch's output."""
    out, grads = forward_backward(fn_ours, leaves, torch.Generator().manual_seed(seed))
    ref, ref_grads = forward_backward(fn_torch, leaves, torch.Generator().manual_seed(seed))
    assert out.shape == ref.shape
    assert_close(out, ref, **tol)
    for g, rg in zip(grads, ref_grads, strict=True):
        assert (g is None) == (rg is None)
        if g is not None:
            assert_close(g, rg, **tol)
    return ref


# ------------------------------------------------------------------------------- conv2d


@st.composite
def conv_cases(draw, depthwise: bool = False):
    """Random conv2d arguments whose output is not empty."""
    groups = draw(st.integers(1, 3))
    c_in = groups * (1 if depthwise else draw(st.integers(1, 3)))
    c_out = groups * draw(st.integers(1, 3))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    d = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kind = draw(st.sampled_from(["int", "tuple", "valid", "same"]))
    s = (1, 1) if kind == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if kind in ("valid", "same"):
        padding, p = kind, (0, 0)
    else:
        p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        padding = p if kind == "tuple" else p[0]
        p = p if kind == "tuple" else (p[0], p[0])
    # the padded input must hold one effective kernel d(k − 1) + 1 ('same' always fits)
    hw = [
        max(1, dd * (kk - 1) + 1 - 2 * pp) + draw(st.integers(0, 5))
        for kk, dd, pp in zip(k, d, p, strict=True)
    ]
    if kind == "same":
        hw = [draw(st.integers(1, 7)), draw(st.integers(1, 7))]
    batch = draw(st.sampled_from([None, 1, 2, 3]))  # None: unbatched (C, H, W)
    shape = (c_in, *hw) if batch is None else (batch, c_in, *hw)
    stride = s[0] if s[0] == s[1] and draw(st.booleans()) else s  # int or tuple form
    dilation = d[0] if d[0] == d[1] and draw(st.booleans()) else d
    return {
        "shape": shape,
        "weight": (c_out, c_in // groups, *k),
        "bias": draw(st.booleans()),
        "kwargs": {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
    }


def run_conv_case(seed, case, dtype, layout):
    gen = torch.Generator().manual_seed(seed)
    x = with_layout(randn(gen, case["shape"], dtype), layout)
    w = randn(gen, case["weight"], dtype)
    b = randn(gen, case["weight"][:1], dtype) if case["bias"] else None
    kw = case["kwargs"]
    ref = check_same(
        lambda x, w, b: conv2d(x, w, b, **kw),
        lambda x, w, b: F.conv2d(x, w, b, **kw),
        [x, w, b],
        seed,
        TOL[dtype],
    )
    return ref


@FAST
@given(seed=seeds, case=conv_cases(), dtype=dtypes, layout=layouts)
def test_conv2d_values_and_gradients_match_torch(seed, case, dtype, layout):
    run_conv_case(seed, case, dtype, layout)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, case=conv_cases(depthwise=True), dtype=dtypes)
def test_depthwise_conv2d_matches_torch(seed, case, dtype):
    # groups = C_in: each input channel gets its own C_out / C_in filters
    assert case["kwargs"]["groups"] == case["shape"][-3]
    run_conv_case(seed, case, dtype, "contiguous")


@settings(max_examples=30, deadline=None)
@given(
    seed=seeds,
    k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    d=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dtype=dtypes,
)
def test_same_padding_keeps_the_size_and_puts_the_extra_zero_last(seed, k, d, dtype):
    # torch pads ⌊d(k − 1)/2⌋ before and the rest after: equal to an explicit asymmetric F.pad.
    gen = torch.Generator().manual_seed(seed)
    x, w = randn(gen, (2, 2, 6, 7), dtype), randn(gen, (3, 2, *k), dtype)
    out = conv2d(x, w, padding="same", dilation=d)
    assert out.shape == (2, 3, 6, 7)
    th, tw = d[0] * (k[0] - 1), d[1] * (k[1] - 1)
    padded = F.pad(x, (tw // 2, tw - tw // 2, th // 2, th - th // 2))
    assert_close(out, F.conv2d(padded, w, dilation=d), **TOL[dtype])


def test_conv2d_is_cross_correlation_and_flipping_gives_true_convolution():
    # A vertical-edge kernel on a step image: cross-correlation and convolution differ in sign.
    x = torch.tensor([[0.0, 0.0, 1.0, 1.0]]).repeat(3, 1).reshape(1, 1, 3, 4)
    w = torch.tensor([[-1.0, 0.0, 1.0]]).repeat(3, 1).reshape(1, 1, 3, 3)
    assert conv2d(x, w).tolist() == [[[[3.0, 3.0]]]]  # Σ w[i, j] · in[y + i, x + j]
    # textbook convolution: out[y, x] = Σ w[i, j] · in[y + 2 − i, x + 2 − j] (kernel flipped)
    xs, ws = x[0, 0].tolist(), w[0, 0].tolist()
    textbook = [
        sum(ws[i][j] * xs[2 - i][c + 2 - j] for i in range(3) for j in range(3)) for c in range(2)
    ]
    assert textbook == [-3.0, -3.0]
    assert conv2d(x, w.flip(-2, -1)).flatten().tolist() == textbook


@settings(max_examples=25, deadline=None)
@given(seed=seeds, case=conv_cases(), dtype=dtypes)
def test_conv2d_naive_equals_torch(seed, case, dtype):
    gen = torch.Generator().manual_seed(seed)
    x = randn(gen, case["shape"], dtype)
    w = randn(gen, case["weight"], dtype)
    b = randn(gen, case["weight"][:1], dtype) if case["bias"] else None
    ours = conv2d_naive(x, w, b, **case["kwargs"])
    assert ours.dtype == dtype
    assert_close(ours, F.conv2d(x, w, b, **case["kwargs"]), **TOL[dtype])


def test_conv2d_splits_large_batches_into_chunks_consistently(monkeypatch):
    # The unrolled matrix of a big batch is built a few images at a time; the result must not
    # depend on where the chunks split. 40 images × 460 KB of float64 columns, at most 3 images
    # per chunk: 14 chunks, the last one short.
    monkeypatch.setattr("dlnotes.conv._COLS_BYTES", 3 * 16 * 9 * 20 * 20 * 8)
    gen = torch.Generator().manual_seed(0)
    x, w, b = (
        randn(gen, (40, 16, 20, 20), torch.float64),
        randn(gen, (8, 4, 3, 3), torch.float64),
        randn(gen, (8,), torch.float64),
    )
    check_same(
        lambda x, w, b: conv2d(x, w, b, padding=1, groups=4),
        lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=4),
        [x, w, b],
        0,
        TOL[torch.float64],
    )


def test_conv2d_empty_batch_like_torch():
    x, w = torch.zeros(0, 4, 5, 5), torch.zeros(6, 2, 3, 3)
    assert conv2d(x, w, groups=2).shape == F.conv2d(x, w, groups=2).shape == (0, 6, 3, 3)


# ------------------------------------------------------------------------------- unfold


@FAST
@given(
    seed=seeds,
    k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    d=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    extra=st.tuples(st.integers(0, 5), st.integers(0, 5)),
    batch=st.sampled_from([None, 1, 3]),
    c=st.integers(1, 3),
    dtype=dtypes,
    layout=layouts,
)
def test_unfold_matches_torch(seed, k, d, p, s, extra, batch, c, dtype, layout):
    gen = torch.Generator().manual_seed(seed)
    hw = [
        max(1, dd * (kk - 1) + 1 - 2 * pp) + e for kk, dd, pp, e in zip(k, d, p, extra, strict=True)
    ]
    shape = (c, *hw) if batch is None else (batch, c, *hw)
    x = with_layout(randn(gen, shape, dtype), layout)
    check_same(
        lambda x: unfold(x, k, dilation=d, padding=p, stride=s),
        lambda x: F.unfold(x, k, dilation=d, padding=p, stride=s),
        [x],
        seed,
        TOL[dtype],
    )


def test_conv2d_is_the_weight_matrix_times_the_unfolded_input():
    # The identity the page shows: conv = W (C_out × C·kH·kW) @ cols (C·kH·kW × L), reshaped.
    gen = torch.Generator().manual_seed(1)
    x, w = randn(gen, (2, 3, 6, 5), torch.float64), randn(gen, (4, 3, 3, 2), torch.float64)
    cols = unfold(x, (3, 2), padding=1, stride=2)
    out = (w.reshape(4, -1) @ cols).reshape(2, 4, *conv2d(x, w, padding=1, stride=2).shape[2:])
    assert_close(out, conv2d(x, w, padding=1, stride=2), **TOL[torch.float64])


# ------------------------------------------------------------------------------- pooling


@st.composite
def pool_cases(draw, dilation: bool = True):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = draw(st.sampled_from([None, "int", "tuple"]))
    if s == "int":
        s = draw(st.integers(1, 3))
    elif s == "tuple":
        s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilation else (1, 1)
    hw = [
        max(1, dd * (kk - 1) + 1 - 2 * pp) + draw(st.integers(0, 6))
        for kk, dd, pp in zip(k, d, p, strict=True)
    ]
    batch = draw(st.sampled_from([None, 1, 2]))
    c = draw(st.integers(1, 3))
    shape = (c, *hw) if batch is None else (batch, c, *hw)
    return {"shape": shape, "k": k, "s": s, "p": p, "d": d, "ceil_mode": draw(st.booleans())}


def has_padding_only_window(case) -> bool:
    """Whether some max-pool window holds no input cell (possible with dilation > 1).

    torch gives such a window −∞ and the index of its first tap at or past 0 in each axis,
    which may lie outside the window, even in the next row; its backward then sends the
    gradient to that cell. Ours returns the same value and index but sends no gradient.
    """
    x = torch.zeros(case["shape"])
    out = F.max_pool2d(x, case["k"], case["s"], case["p"], case["d"], case["ceil_mode"])
    for axis in (0, 1):
        size, n_out = case["shape"][-2 + axis], out.shape[-2 + axis]
        k, p, d = case["k"][axis], case["p"][axis], case["d"][axis]
        s = case["s"] if case["s"] is not None else case["k"]
        s = s if isinstance(s, int) else s[axis]
        for y in range(n_out):
            if all(not 0 <= s * y - p + d * i < size for i in range(k)):
                return True
    return False


@FAST
@given(seed=seeds, case=pool_cases(), dtype=dtypes, layout=layouts)
def test_max_pool2d_values_indices_and_gradients_match_torch(seed, case, dtype, layout):
    gen = torch.Generator().manual_seed(seed)
    x = with_layout(distinct(gen, case["shape"], dtype), layout)
    args = (case["k"], case["s"], case["p"], case["d"], case["ceil_mode"])
    values, indices = max_pool2d(x, *args, return_indices=True)
    ref_values, ref_indices = F.max_pool2d(x, *args, return_indices=True)
    assert_close(values, ref_values, **TOL[dtype])
    assert indices.dtype == torch.int64
    assert torch.equal(indices, ref_indices)
    assert_close(max_pool2d(x, *args), ref_values, **TOL[dtype])  # values only: a faster path
    if not has_padding_only_window(case):  # see there
        check_same(
            lambda x: max_pool2d(x, *args), lambda x: F.max_pool2d(x, *args), [x], seed, TOL[dtype]
        )


@FAST
@given(seed=seeds, case=pool_cases(), levels=st.integers(1, 3))
def test_max_pool2d_ties_pick_the_first_maximum_in_row_major_order_like_torch(seed, case, levels):
    # torch's kernel scans the window row by row and keeps the first strictly larger value, so
    # among equal maxima the first in row-major order wins: its index, and all the gradient.
    # Inputs with only `levels` distinct values make ties the rule.
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, levels, case["shape"], generator=gen).double()
    args = (case["k"], case["s"], case["p"], case["d"], case["ceil_mode"])
    assert torch.equal(
        max_pool2d(x, *args, return_indices=True)[1], F.max_pool2d(x, *args, return_indices=True)[1]
    )
    assert torch.equal(max_pool2d(x, *args), F.max_pool2d(x, *args))  # values-only path
    if not has_padding_only_window(case):  # see there
        check_same(
            lambda x: max_pool2d(x, *args),
            lambda x: F.max_pool2d(x, *args),
            [x],
            seed,
            TOL[torch.float64],
        )


@FAST
@given(
    seed=seeds,
    case=pool_cases(dilation=False),
    count_include_pad=st.booleans(),
    divisor_override=st.sampled_from([None, None, 1, 3, -2, 7]),
    dtype=dtypes,
    layout=layouts,
)
def test_avg_pool2d_values_and_gradients_match_torch(
    seed, case, count_include_pad, divisor_override, dtype, layout
):
    gen = torch.Generator().manual_seed(seed)
    x = with_layout(randn(gen, case["shape"], dtype), layout)
    args = (case["k"], case["s"], case["p"], case["ceil_mode"], count_include_pad, divisor_override)
    check_same(
        lambda x: avg_pool2d(x, *args), lambda x: F.avg_pool2d(x, *args), [x], seed, TOL[dtype]
    )


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("count_include_pad", [False, True])
@pytest.mark.parametrize("divisor_override", [None, 2])
def test_avg_pool2d_every_flag_combination_on_a_grid_of_sizes(
    ceil_mode, count_include_pad, divisor_override
):
    # Every window position kind: padded borders, ceil_mode overhang past the padding, both.
    x = torch.arange(1.0, 1.0 + 2 * 7 * 8, dtype=torch.float64).reshape(1, 2, 7, 8)
    for k in (2, 3, 4):
        for s in (1, 2, 3):
            for p in range(k // 2 + 1):
                args = (k, s, p, ceil_mode, count_include_pad, divisor_override)
                assert_close(avg_pool2d(x, *args), F.avg_pool2d(x, *args), **TOL[torch.float64])


def test_avg_pool2d_counts_padding_but_not_the_ceil_mode_overhang():
    ones = torch.ones(1, 1, 3, 3)
    # corner window: 4 input cells, 5 padding cells → 4/9 with padding counted, 1 without
    assert avg_pool2d(ones, 3, 1, 1)[0, 0, 0, 0].item() == pytest.approx(4 / 9)
    assert avg_pool2d(ones, 3, 1, 1, count_include_pad=False)[0, 0, 0, 0].item() == 1.0
    # 5 wide, k=2, s=2, ceil: the last window holds 1 input cell and 1 overhang cell → 1.0
    x = torch.ones(1, 1, 1, 5)
    assert avg_pool2d(x, (1, 2), ceil_mode=True).tolist() == [[[[1.0, 1.0, 1.0]]]]


def test_ceil_mode_window_must_start_inside_the_input_or_left_padding():
    # size 5, k=2, s=2, p=1: ⌈(5 + 2 − 2)/2⌉ + 1 = 4 windows would fit the rounding, but the
    # 4th would start at padded position 6, in the right padding, so torch keeps 3.
    x = torch.randn(1, 1, 5, 5)
    assert max_pool2d(x, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    assert F.max_pool2d(x, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    assert avg_pool2d(x, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)


def test_pool_output_sizes_match_torch_on_a_grid():
    # Closed-form check over (size, k, s, p, d, ceil_mode), including every case where the
    # ceil_mode rule removes a window and every floor-dropped tail.
    for size in range(1, 9):
        for k in range(1, 5):
            for s in range(1, 4):
                for p in range(k // 2 + 1):
                    for d in (1, 2):
                        for ceil_mode in (False, True):
                            if size + 2 * p < d * (k - 1) + 1:
                                continue
                            x = torch.zeros(1, 1, size, size)
                            ours = max_pool2d(x, k, s, p, d, ceil_mode).shape
                            assert ours == F.max_pool2d(x, k, s, p, d, ceil_mode).shape
                            if d == 1:
                                ours = avg_pool2d(x, k, s, p, ceil_mode).shape
                                assert ours == F.avg_pool2d(x, k, s, p, ceil_mode).shape


def test_pooling_modules_match_torch_and_repr():
    x = torch.randn(2, 3, 9, 8)
    pairs = [
        (MaxPool2d(3, 2, 1, ceil_mode=True), nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (MaxPool2d((2, 3), dilation=2), nn.MaxPool2d((2, 3), dilation=2)),
        (AvgPool2d(3, 2, 1, True, False), nn.AvgPool2d(3, 2, 1, True, False)),
        (AvgPool2d(2, divisor_override=3), nn.AvgPool2d(2, divisor_override=3)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert_close(ours(x), theirs(x))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    values, indices = MaxPool2d(2, return_indices=True)(x)
    ref_values, ref_indices = nn.MaxPool2d(2, return_indices=True)(x)
    assert_close(values, ref_values)
    assert torch.equal(indices, ref_indices)


# ------------------------------------------------------------------------------- Conv2d


conv_modules = st.fixed_dictionaries(
    {
        "groups": st.integers(1, 3),
        "c_in": st.integers(1, 3),
        "c_out": st.integers(1, 3),
        "kernel_size": st.one_of(
            st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))
        ),
        "stride": st.sampled_from([1, 2, (1, 2)]),
        "padding": st.sampled_from([0, 1, (2, 0), "valid", "same"]),
        "dilation": st.sampled_from([1, 2, (2, 1)]),
        "bias": st.booleans(),
    }
)


def make_pair(spec, seed):
    g = spec["groups"]
    stride = 1 if spec["padding"] == "same" else spec["stride"]
    args = (g * spec["c_in"], g * spec["c_out"], spec["kernel_size"])
    kwargs = {
        "stride": stride,
        "padding": spec["padding"],
        "dilation": spec["dilation"],
        "groups": g,
        "bias": spec["bias"],
    }
    torch.manual_seed(seed)
    theirs = nn.Conv2d(*args, **kwargs)
    torch.manual_seed(seed)
    ours = Conv2d(*args, **kwargs)
    return ours, theirs


@settings(max_examples=40, deadline=None)
@given(seed=seeds, spec=conv_modules)
def test_conv2d_module_init_draws_repr_and_state_dict_equal_torch(seed, spec):
    ours, theirs = make_pair(spec, seed)
    assert repr(ours) == repr(theirs)
    # same seed, same draws, bit for bit: kaiming_uniform_(a=√5) then bias ~ U(±1/√fan_in)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, t in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], t), name
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for attr in (
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "groups",
        "padding_mode",
    ):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    # state dicts load strictly both ways, and the modules then compute the same function
    gen = torch.Generator().manual_seed(seed)
    ours.load_state_dict(nn.Conv2d(*_ctor(theirs)).state_dict(), strict=True)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = randn(gen, (2, theirs.in_channels, 9, 8), torch.float32)
    check_same(ours, theirs, [x], seed, TOL[torch.float32])
    for name, p in theirs.named_parameters():
        assert_close(getattr(ours, name).grad, p.grad, **TOL[torch.float32])
    x3 = x[0]  # unbatched (C, H, W)
    assert_close(ours(x3), theirs(x3), **TOL[torch.float32])


def _ctor(m: nn.Conv2d):
    """Constructor arguments that rebuild a torch Conv2d with fresh random parameters."""
    return (
        m.in_channels,
        m.out_channels,
        m.kernel_size,
        m.stride,
        m.padding,
        m.dilation,
        m.groups,
        m.bias is not None,
    )


def test_conv2d_init_distribution_bounds():
    # U(−1/√fan_in, 1/√fan_in) for both: fan_in = 16/4 · 3 · 3 = 36 → bound 1/6
    torch.manual_seed(0)
    conv = Conv2d(16, 64, 3, groups=4)
    for t in (conv.weight, conv.bias):
        assert t.abs().max().item() <= 1 / 6
        assert t.abs().max().item() > 0.95 / 6  # the whole range is used
    # variance of U(−b, b) is b²/3: 1/108 for b = 1/6 (2304 weights, 5% margin)
    assert conv.weight.var().item() == pytest.approx(1 / 108, rel=0.1)


def test_conv2d_module_dtype_and_float64_forward():
    torch.manual_seed(0)
    ours = Conv2d(2, 3, 3, dtype=torch.float64)
    torch.manual_seed(0)
    theirs = nn.Conv2d(2, 3, 3, dtype=torch.float64)
    assert ours.weight.dtype == torch.float64
    x = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    assert_close(ours(x), theirs(x), **TOL[torch.float64])


# ------------------------------------------------------------------------------- helpers


@FAST
@given(
    size=st.integers(1, 20),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
)
def test_conv_output_size_matches_the_formula_and_torch(size, k, s, p, d):
    if size + 2 * p < d * (k - 1) + 1:
        with raises_naming(ValueError, "size"):
            conv_output_size(size, k, s, p, d)
        return
    expected = math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1
    assert conv_output_size(size, k, s, p, d) == expected
    out = F.conv2d(
        torch.zeros(1, 1, size, 3), torch.zeros(1, 1, k, 1), stride=s, padding=(p, 0), dilation=d
    )
    assert out.shape[2] == expected


@st.composite
def stacks(draw):
    return draw(
        st.lists(
            st.one_of(
                st.tuples(st.integers(1, 4), st.integers(1, 3)),
                st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
            ),
            min_size=1,
            max_size=4,
        )
    )


@settings(max_examples=40, deadline=None)
@given(layers=stacks(), pool=st.booleans())
def test_receptive_field_equals_the_measured_gradient_support_of_a_torch_stack(layers, pool):
    # Closed form: r = 1 + Σₗ (kₗ − 1)·dₗ·∏_{i<l} sᵢ
    r, jump = 1, 1
    for layer in layers:
        k, s, d = (*layer, 1)[:3]
        r += (k - 1) * d * jump
        jump *= s
    assert receptive_field(layers) == r
    # Measured: a stack of real torch layers with positive weights (no cancellation); the
    # input-gradient of one output pixel is nonzero exactly over its receptive field (with
    # holes for dilation, so the support is measured as last − first nonzero + 1).
    modules = []
    for n, layer in enumerate(layers):
        k, s, d = (*layer, 1)[:3]
        if pool and n % 2 == 1 and d == 1:
            modules.append(nn.AvgPool2d(k, s))
        else:
            conv = nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False).double()
            nn.init.constant_(conv.weight, 1.0)
            modules.append(conv)
    size = r + 2 * jump  # room for a few output pixels
    x = torch.ones(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    out = nn.Sequential(*modules)(x)
    out[0, 0, -1, -1].backward()  # the last output pixel, whose window ends inside the input
    rows = torch.nonzero(x.grad[0, 0].sum(dim=1)).flatten()
    cols = torch.nonzero(x.grad[0, 0].sum(dim=0)).flatten()
    assert (rows.max() - rows.min() + 1).item() == r
    assert (cols.max() - cols.min() + 1).item() == r


def test_receptive_field_worked_examples():
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1)] * 2) == 5  # VGG: two 3×3 see 5×5
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15  # dilations 1, 2, 4
    assert receptive_field([(7, 2), (3, 2), (3, 1), (3, 1)]) == 27


@FAST
@given(
    c_in=st.integers(1, 4),
    c_out=st.integers(1, 4),
    groups=st.integers(1, 3),
    k=st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5))),
    bias=st.booleans(),
)
def test_conv_param_count_matches_the_formula_and_torch(c_in, c_out, groups, k, bias):
    c_in, c_out = c_in * groups, c_out * groups
    kh, kw = (k, k) if isinstance(k, int) else k
    expected = c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)
    assert conv_param_count(c_in, c_out, k, groups, bias) == expected
    torch_conv = nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias)
    assert conv_param_count(c_in, c_out, k, groups, bias) == sum(
        p.numel() for p in torch_conv.parameters()
    )


def test_conv_param_count_worked_examples():
    assert conv_param_count(8, 16, 3, groups=4) == 304
    # depthwise-separable 3×3, 64 → 128: 64·9 + 64·128 weights (+ biases) vs 128·64·9
    separable = conv_param_count(64, 64, 3, groups=64, bias=False) + conv_param_count(
        64, 128, 1, bias=False
    )
    assert separable == 64 * 9 + 64 * 128
    assert conv_param_count(64, 128, 3, bias=False) / separable == pytest.approx(8.4, abs=0.05)


# ------------------------------------------------------------------------------- errors

x4 = torch.zeros(2, 4, 6, 6)
w4 = torch.zeros(6, 2, 3, 3)

ERRORS = [
    # conv2d
    (
        lambda: conv2d(x4, torch.zeros(6, 4, 3, 3), groups=3),
        ValueError,
        ("groups", "C", "C_out"),
    ),
    (
        lambda: conv2d(x4, torch.zeros(5, 2, 3, 3), groups=2),
        ValueError,
        ("groups", "C_out", "weight.shape[0]"),
    ),
    (
        lambda: conv2d(x4, torch.zeros(6, 3, 3, 3)),
        ValueError,
        ("weight", "(C_out, C_in / groups, kH, kW)"),
    ),
    (
        lambda: conv2d(x4, w4, groups=2, padding="same", stride=2),
        ValueError,
        ("padding", "stride"),
    ),
    (
        lambda: conv2d(x4, w4, groups=2, padding="full"),
        ValueError,
        ("padding", "'valid'", "'same'"),
    ),
    (lambda: conv2d(x4, w4, groups=2, stride=0), ValueError, ("stride",)),
    (lambda: conv2d(x4, w4, groups=2, stride=(1, -1)), ValueError, ("stride",)),
    (lambda: conv2d(x4, w4, groups=2, dilation=0), ValueError, ("dilation",)),
    (lambda: conv2d(x4, w4, groups=2, padding=-1), ValueError, ("padding",)),
    (lambda: conv2d(x4, w4, groups=0), ValueError, ("groups",)),
    (
        lambda: conv2d(x4, torch.zeros(6, 2, 0, 3), groups=2),
        ValueError,
        ("weight", "(kH, kW)"),
    ),
    (
        lambda: conv2d(x4, torch.zeros(6, 2, 7, 3), groups=2),
        ValueError,
        ("kernel_size", "dilation", "input"),
    ),
    (
        lambda: conv2d(x4, w4, groups=2, dilation=3),
        ValueError,
        ("kernel_size", "dilation", "input"),
    ),
    (lambda: conv2d(x4, w4, groups=2, stride=1.5), TypeError, ("stride",)),
    (lambda: conv2d(x4, w4, groups=2.0), TypeError, ("groups",)),
    (
        lambda: conv2d(x4.numpy(), w4, groups=2),
        TypeError,
        ("input", "torch.Tensor", "(N, C, H, W)"),
    ),
    (lambda: conv2d(x4.long(), w4, groups=2), TypeError, ("input", "floating-point")),
    (
        lambda: conv2d(x4[0, 0], w4, groups=2),
        ValueError,
        ("input", "(N, C, H, W)", "(C, H, W)"),
    ),
    (
        lambda: conv2d(x4, w4[0], groups=2),
        ValueError,
        ("weight", "(C_out, C_in / groups, kH, kW)"),
    ),
    (
        lambda: conv2d(x4, w4.double(), groups=2),
        TypeError,
        ("weight", "dtype"),
    ),
    (
        lambda: conv2d(x4, w4, torch.zeros(5), groups=2),
        ValueError,
        ("bias", "(C_out,)"),
    ),
    (
        lambda: conv2d(x4, w4, torch.zeros(6).double(), groups=2),
        TypeError,
        ("bias", "dtype"),
    ),
    (
        lambda: conv2d_naive(x4, torch.zeros(6, 3, 3, 3)),
        ValueError,
        ("weight", "(C_out, C_in / groups, kH, kW)"),
    ),
    # unfold
    (lambda: unfold(x4, 0), ValueError, ("kernel_size",)),
    (lambda: unfold(x4, 7), ValueError, ("kernel_size", "input")),
    (lambda: unfold(x4, 3, padding=-1), ValueError, ("padding",)),
    (lambda: unfold(x4, (3, 3, 3)), ValueError, ("kernel_size",)),
    # max_pool2d / avg_pool2d
    (
        lambda: max_pool2d(x4, 3, padding=2),
        ValueError,
        ("padding", "kernel_size"),
    ),
    (lambda: max_pool2d(x4, 0), ValueError, ("kernel_size",)),
    (lambda: max_pool2d(x4, 2, stride=0), ValueError, ("stride",)),
    (lambda: max_pool2d(x4, 2, dilation=0), ValueError, ("dilation",)),
    (lambda: max_pool2d(x4, 2, padding=-1), ValueError, ("padding",)),
    (
        lambda: max_pool2d(x4, 4, dilation=2),
        ValueError,
        ("input", "padding"),
    ),
    (lambda: max_pool2d(x4, 2, ceil_mode=1), TypeError, ("ceil_mode",)),
    (
        lambda: max_pool2d(x4[0, 0], 2),
        ValueError,
        ("input", "(N, C, H, W)"),
    ),
    (
        lambda: avg_pool2d(x4, 2, divisor_override=0),
        ValueError,
        ("divisor_override",),
    ),
    (
        lambda: avg_pool2d(x4, 2, divisor_override=1.5),
        TypeError,
        ("divisor_override",),
    ),
    (
        lambda: avg_pool2d(x4, 3, padding=2),
        ValueError,
        ("padding", "kernel_size"),
    ),
    (lambda: avg_pool2d(x4, 7), ValueError, ("input", "padding")),
    (
        lambda: avg_pool2d(x4, 2, count_include_pad=None),
        TypeError,
        ("count_include_pad",),
    ),
    # Conv2d constructor
    (lambda: Conv2d(4, 6, 3, groups=3), ValueError, ("groups", "in_channels")),
    (lambda: Conv2d(4, 6, 3, groups=4), ValueError, ("groups", "out_channels")),
    (
        lambda: Conv2d(4, 6, 3, stride=2, padding="same"),
        ValueError,
        ("padding", "stride"),
    ),
    (lambda: Conv2d(4, 6, 0), ValueError, ("kernel_size",)),
    (lambda: Conv2d(4, 6, 3, stride=0), ValueError, ("stride",)),
    (lambda: Conv2d(4, 6, 3, dilation=0), ValueError, ("dilation",)),
    (lambda: Conv2d(4, 6, 3, padding=-1), ValueError, ("padding",)),
    (lambda: Conv2d(4, 6, 3, padding="full"), ValueError, ("padding", "'valid'", "'same'")),
    (
        lambda: Conv2d(4, 6, 3, padding_mode="reflect"),
        ValueError,
        ("padding_mode", "'zeros'"),
    ),
    (lambda: Conv2d(0, 6, 3), ValueError, ("in_channels",)),
    (lambda: Conv2d(4, 6, 3, bias=None), TypeError, ("bias",)),
    (lambda: Conv2d(4.0, 6, 3), TypeError, ("in_channels",)),
    # Conv2d forward
    (
        lambda: Conv2d(3, 6, 3)(x4),
        ValueError,
        ("in_channels", "input", "(N, C, H, W)"),
    ),
    (lambda: Conv2d(4, 6, 7)(x4), ValueError, ("kernel_size", "input")),
    (
        lambda: Conv2d(4, 6, 3)(x4[0, 0]),
        ValueError,
        ("input", "(N, C, H, W)"),
    ),
    (
        lambda: Conv2d(4, 6, 3)(x4.double()),
        TypeError,
        ("weight", "dtype"),
    ),
    # pooling modules
    (lambda: MaxPool2d(3, padding=2), ValueError, ("padding", "kernel_size")),
    (lambda: MaxPool2d(0), ValueError, ("kernel_size",)),
    (
        lambda: AvgPool2d(2, divisor_override=0),
        ValueError,
        ("divisor_override",),
    ),
    (lambda: MaxPool2d(7)(x4), ValueError, ("input", "padding")),
    # helpers
    (
        lambda: conv_output_size(4, 3, dilation=2),
        ValueError,
        ("kernel_size", "dilation", "size"),
    ),
    (lambda: conv_output_size(4, 3, padding=-1), ValueError, ("padding",)),
    (lambda: conv_output_size(4.0, 3), TypeError, ("size",)),
    (
        lambda: receptive_field([(3, 1, 1, 1)]),
        ValueError,
        ("layers[0]", "(kernel_size, stride)"),
    ),
    (
        lambda: receptive_field([(3, 1), (0, 1)]),
        ValueError,
        ("layers[1]", "kernel_size"),
    ),
    (lambda: receptive_field(3), TypeError, ("layers",)),
    (
        lambda: conv_param_count(4, 6, 3, groups=4),
        ValueError,
        ("groups", "out_channels"),
    ),
    (lambda: conv_param_count(4, 6, 3, bias=1), TypeError, ("bias",)),
    (lambda: conv_param_count(4, 6, (3, 0)), ValueError, ("kernel_size",)),
]


@pytest.mark.parametrize(
    ("call", "error", "names"), ERRORS, ids=[f"case{i}" for i in range(len(ERRORS))]
)
def test_bad_arguments_raise_clear_errors(call, error, names):
    """The error's type, and the arguments and expected shapes its message names."""
    with raises_naming(error, *names):
        call()
