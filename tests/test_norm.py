"""Property tests: dlnotes.norm against torch.nn.functional and torch.nn.BatchNorm*d.

Every tensor comes from a torch.Generator seeded with a hypothesis-drawn integer, so a failing
example reproduces from hypothesis' printout. Values and gradients are compared with
fp32 atol=rtol=1e-5 and fp64 atol=rtol=1e-10.
"""

import math
from collections.abc import Callable, Sequence

import pytest
import torch
import torch.nn.functional as F
from dlerrors import raises_naming
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import Tensor, nn
from torch.nn.utils.fusion import fuse_conv_bn_weights, fuse_linear_bn_weights
from torch.testing import assert_close

from dlnotes.norm import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    batch_norm,
    batch_norm_backward,
    fold_batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
)

TOL = {torch.float32: {"atol": 1e-5, "rtol": 1e-5}, torch.float64: {"atol": 1e-10, "rtol": 1e-10}}
FAST = settings(max_examples=60, deadline=None)
MIN_REL_STD = 0.15  # see well_conditioned
CHANNEL_STATS_DIMS = {ndim: [0, *range(2, ndim)] for ndim in range(2, 6)}  # all but dim 1


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Tiny tensors: on a busy 2-core machine torch's OpenMP pool makes each batch_norm call
    ~1000x slower (tens of ms instead of tens of us). Restored after this module."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from([torch.float32, torch.float64])
epsilons = st.sampled_from([1e-5, 1e-3, 0.1])
momenta = st.one_of(st.sampled_from([0.0, 0.1, 1.0]), st.floats(0.01, 0.99))
small = st.integers(1, 5)


def batch_shapes(min_dim: int = 2, max_dim: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """(N, C, *spatial) with N in 2..6, C in 1..5, each spatial size in 1..5."""
    return st.integers(min_dim, max_dim).flatmap(
        lambda ndim: st.tuples(st.integers(2, 6), small, *[small] * (ndim - 2))
    )


def randn(gen: torch.Generator, shape: Sequence[int], dtype: torch.dtype) -> Tensor:
    """Standard normal: upstream gradients, weights, biases."""
    return torch.randn(tuple(shape), generator=gen, dtype=dtype)


def data(gen: torch.Generator, shape: Sequence[int], dtype: torch.dtype) -> Tensor:
    """Inputs with scale 0.5..2 and shift -1..1 per draw, so mean/var are not trivially 0/1."""
    scale = 0.5 + 1.5 * torch.rand((), generator=gen, dtype=dtype)
    shift = -1 + 2 * torch.rand((), generator=gen, dtype=dtype)
    return randn(gen, shape, dtype) * scale + shift


def running_stats(gen: torch.Generator, c: int, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Plausible buffers for such data: mean in -1..1, variance in 0.5..2.5."""
    mean = 2 * torch.rand(c, generator=gen, dtype=dtype) - 1
    return mean, 0.5 + 2 * torch.rand(c, generator=gen, dtype=dtype)


def well_conditioned(x: Tensor, dims: Sequence[int]) -> bool:
    """False when a float32 normalization group is nearly constant relative to its values.

    Rounding in ``x - mean`` (about ulp(max|x|)) is amplified by 1 / std: when
    std < MIN_REL_STD * max(1, max|x|), torch's own float32 kernels differ from the exact
    (float64) result by more than the 1e-5 tolerance, so such draws are skipped (``assume``).
    float64 draws are never skipped.
    """
    if x.dtype != torch.float32:
        return True
    dims = tuple(dims)
    std = x.std(dim=dims, correction=0)
    scale = x.abs().amax(dim=dims).clamp(min=1.0)
    return bool((std >= MIN_REL_STD * scale).all())


def forward_backward(
    fn: Callable[..., Tensor], leaves: Sequence[Tensor | None], grad: Tensor
) -> tuple[Tensor, list[Tensor | None]]:
    """Run fn on fresh leaf copies of ``leaves`` and backprop ``grad``; return (out, grads)."""
    copies = [None if t is None else t.detach().clone().requires_grad_() for t in leaves]
    out = fn(*copies)
    out.backward(grad)
    return out.detach(), [None if t is None else t.grad for t in copies]


def assert_all_close(ours: Sequence[Tensor | None], theirs: Sequence[Tensor | None], tol) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert_close(a, b, **tol)


# --------------------------------------------------------------------- functional batch_norm


@FAST
@given(
    seed=seeds,
    shape=batch_shapes(),
    dtype=dtypes,
    momentum=momenta,
    eps=epsilons,
    affine=st.booleans(),
    buffers=st.booleans(),
    steps=st.integers(2, 4),
)
def test_batch_norm_matches_torch_over_training_steps_then_eval(
    seed, shape, dtype, momentum, eps, affine, buffers, steps
):
    gen = torch.Generator().manual_seed(seed)
    c = shape[1]
    tol = TOL[dtype]
    weight = randn(gen, (c,), dtype) if affine else None
    bias = randn(gen, (c,), dtype) if affine else None
    ours_rm, ours_rv = running_stats(gen, c, dtype)
    if not buffers:
        ours_rm = ours_rv = None
    theirs_rm = None if ours_rm is None else ours_rm.clone()
    theirs_rv = None if ours_rv is None else ours_rv.clone()

    for _ in range(steps):
        x, g = data(gen, shape, dtype), randn(gen, shape, dtype)
        assume(well_conditioned(x, CHANNEL_STATS_DIMS[len(shape)]))
        out, grads = forward_backward(
            lambda x, w, b: batch_norm(x, ours_rm, ours_rv, w, b, True, momentum, eps),
            [x, weight, bias],
            g,
        )
        ref, ref_grads = forward_backward(
            lambda x, w, b: F.batch_norm(x, theirs_rm, theirs_rv, w, b, True, momentum, eps),
            [x, weight, bias],
            g,
        )
        assert_close(out, ref, **tol)
        assert_all_close(grads, ref_grads, tol)
        assert_all_close([ours_rm, ours_rv], [theirs_rm, theirs_rv], tol)
        for buffer in (ours_rm, ours_rv):
            assert buffer is None or buffer.grad_fn is None  # updated outside autograd

    if buffers:  # eval mode normalizes with the running statistics
        x, g = data(gen, shape, dtype), randn(gen, shape, dtype)
        out, grads = forward_backward(
            lambda x, w, b: batch_norm(x, ours_rm, ours_rv, w, b, False, momentum, eps),
            [x, weight, bias],
            g,
        )
        ref, ref_grads = forward_backward(
            lambda x, w, b: F.batch_norm(x, theirs_rm, theirs_rv, w, b, False, momentum, eps),
            [x, weight, bias],
            g,
        )
        assert_close(out, ref, **tol)
        assert_all_close(grads, ref_grads, tol)
        assert_all_close([ours_rm, ours_rv], [theirs_rm, theirs_rv], tol)  # untouched in eval


@settings(max_examples=20, deadline=None)
@given(
    seed=seeds,
    shape=batch_shapes(2, 4),
    dtype=st.sampled_from([torch.float16, torch.bfloat16]),
    training=st.booleans(),
)
def test_batch_norm_low_precision_input_with_float32_parameters_matches_torch(
    seed, shape, dtype, training
):
    # torch's CPU kernels accept float16/bfloat16 input with float32 weight and buffers and
    # compute the statistics in float32; the output keeps the input dtype.
    gen = torch.Generator().manual_seed(seed)
    c = shape[1]
    x = data(gen, shape, torch.float32).to(dtype)
    weight, bias = randn(gen, (c,), torch.float32), randn(gen, (c,), torch.float32)
    ours_rm, ours_rv = torch.zeros(c), torch.ones(c)
    theirs_rm, theirs_rv = torch.zeros(c), torch.ones(c)
    out = batch_norm(x, ours_rm, ours_rv, weight, bias, training)
    ref = F.batch_norm(x, theirs_rm, theirs_rv, weight, bias, training)
    assert out.dtype == ref.dtype == dtype
    tol = 1e-2 if dtype == torch.bfloat16 else 2e-3  # about one ulp of outputs of size ~1-3
    assert_close(out, ref, atol=tol, rtol=tol)
    assert_close(ours_rm, theirs_rm, atol=1e-5, rtol=1e-5)
    assert_close(ours_rv, theirs_rv, atol=1e-5, rtol=1e-5)


def test_batch_norm_empty_batch_leaves_buffers_alone_like_torch():
    x = torch.randn(0, 3)
    ours_rm, ours_rv = torch.zeros(3), torch.ones(3)
    theirs_rm, theirs_rv = torch.zeros(3), torch.ones(3)
    assert batch_norm(x, ours_rm, ours_rv, training=True).shape == (0, 3)
    F.batch_norm(x, theirs_rm, theirs_rv, training=True)
    assert_close(ours_rm, theirs_rm)
    assert_close(ours_rv, theirs_rv)


# ------------------------------------------------------------------------------- modules

MODULE_PAIRS = {
    2: (BatchNorm1d, nn.BatchNorm1d),
    3: (BatchNorm1d, nn.BatchNorm1d),
    4: (BatchNorm2d, nn.BatchNorm2d),
    5: (BatchNorm3d, nn.BatchNorm3d),
}


def assert_same_state(ours: nn.Module, theirs: nn.Module, tol) -> None:
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key, value in theirs_sd.items():
        assert ours_sd[key].dtype == value.dtype, key
        assert_close(ours_sd[key], value, **tol)


@settings(max_examples=100, deadline=None)
@given(
    seed=seeds,
    shape=batch_shapes(),
    dtype=dtypes,
    momentum=st.one_of(st.none(), momenta),
    eps=epsilons,
    affine=st.booleans(),
    bias=st.booleans(),
    track_running_stats=st.booleans(),
    steps=st.integers(2, 4),
)
def test_module_matches_torch_through_train_eval_train(
    seed, shape, dtype, momentum, eps, affine, bias, track_running_stats, steps
):
    ours_cls, theirs_cls = MODULE_PAIRS[len(shape)]
    gen = torch.Generator().manual_seed(seed)
    tol = TOL[dtype]
    kwargs = {
        "eps": eps,
        "momentum": momentum,
        "affine": affine,
        "track_running_stats": track_running_stats,
        "dtype": dtype,
        "bias": bias,
    }
    theirs = theirs_cls(shape[1], **kwargs)
    ours = ours_cls(shape[1], **kwargs)
    with torch.no_grad():  # non-trivial affine parameters, copied into ours via the state dict
        for p in theirs.parameters():
            p.copy_(randn(gen, p.shape, dtype))
    ours.load_state_dict(theirs.state_dict())
    assert repr(ours) == repr(theirs)

    for training in [True] * steps + [False, True, False]:
        ours.train(training)
        theirs.train(training)
        x, g = data(gen, shape, dtype), randn(gen, shape, dtype)
        assume(well_conditioned(x, CHANNEL_STATS_DIMS[len(shape)]))
        x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
        out, ref = ours(x_ours), theirs(x_theirs)
        assert_close(out, ref, **tol)
        out.backward(g)
        ref.backward(g)
        assert_close(x_ours.grad, x_theirs.grad, **tol)
        ours_params, theirs_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
        assert list(ours_params) == list(theirs_params)
        for name, p in theirs_params.items():
            assert_close(ours_params[name].grad, p.grad, **tol)
        ours.zero_grad()
        theirs.zero_grad()
        assert_same_state(ours, theirs, tol)  # running stats and num_batches_tracked


def test_freezing_running_stats_by_flipping_track_running_stats_matches_torch():
    # A common fine-tuning idiom: keep the buffers but stop updating them. torch then uses batch
    # statistics in training (buffers untouched) and the frozen buffers in eval.
    gen = torch.Generator().manual_seed(0)
    ours, theirs = BatchNorm2d(3, dtype=torch.float64), nn.BatchNorm2d(3, dtype=torch.float64)
    for module in (ours, theirs):
        module(data(gen, (4, 3, 2, 2), torch.float64))
    ours.load_state_dict(theirs.state_dict())
    for module in (ours, theirs):
        module.track_running_stats = False
    for training in (True, False):
        x = data(gen, (4, 3, 2, 2), torch.float64)
        assert_close(ours.train(training)(x), theirs.train(training)(x), **TOL[torch.float64])
        assert_same_state(ours, theirs, TOL[torch.float64])
    assert int(ours.num_batches_tracked) == 1


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track_running_stats", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(
    ("ours_cls", "theirs_cls"),
    sorted(set(MODULE_PAIRS.values()), key=lambda pair: pair[0].__name__),
)
def test_state_dict_keys_names_and_loading_both_ways(
    ours_cls, theirs_cls, affine, track_running_stats, bias
):
    kwargs = {"affine": affine, "track_running_stats": track_running_stats, "bias": bias}
    ours, theirs = ours_cls(4, **kwargs), theirs_cls(4, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        assert (getattr(ours, name) is None) == (getattr(theirs, name) is None), name
    assert_same_state(ours, theirs, TOL[torch.float32])  # same initial values
    assert repr(ours) == repr(theirs)

    # Randomize torch's module, load it into ours (strict), then the other way round.
    shape = (6, 4) + (3,) * {BatchNorm1d: 1, BatchNorm2d: 2, BatchNorm3d: 3}[ours_cls]
    theirs.train()
    theirs(torch.randn(shape) * 2 + 1)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-2, 2)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    assert_same_state(ours, theirs, TOL[torch.float32])

    ours.train()
    ours(torch.randn(shape) * 3 - 1)
    with torch.no_grad():
        for p in ours.parameters():
            p.uniform_(-2, 2)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    assert_same_state(ours, theirs, TOL[torch.float32])
    x = torch.randn(shape)
    assert_close(ours.eval()(x), theirs.eval()(x), **TOL[torch.float32])


def test_old_state_dict_without_num_batches_tracked_loads_like_torch():
    theirs = nn.BatchNorm2d(3)
    theirs(torch.randn(4, 3, 2, 2))
    old = theirs.state_dict()
    del old["num_batches_tracked"]
    old._metadata[""]["version"] = 1  # state dicts saved before torch added the counter
    ours, fresh_torch = BatchNorm2d(3), nn.BatchNorm2d(3)
    ours.load_state_dict(old, strict=True)
    fresh_torch.load_state_dict(old, strict=True)
    assert_same_state(ours, fresh_torch, TOL[torch.float32])
    # A current-version state dict missing the key is an error for both.
    old._metadata[""]["version"] = 2
    for module in (BatchNorm2d(3), nn.BatchNorm2d(3)):
        with raises_naming(RuntimeError, "num_batches_tracked"):
            module.load_state_dict(old, strict=True)


def test_constructor_dtype_and_resets_match_torch():
    ours = BatchNorm2d(3, dtype=torch.float64)
    theirs = nn.BatchNorm2d(3, dtype=torch.float64)
    for module in (ours, theirs):
        module(torch.randn(4, 3, 2, 2, dtype=torch.float64) * 3 + 1)
        with torch.no_grad():
            module.weight.fill_(2.0)
    ours.load_state_dict(theirs.state_dict())
    ours.reset_running_stats()
    theirs.reset_running_stats()
    assert_same_state(ours, theirs, TOL[torch.float64])
    assert ours.num_batches_tracked.dtype == torch.long
    assert float(ours.weight[0].detach()) == 2.0  # reset_running_stats keeps the parameters
    ours.reset_parameters()
    theirs.reset_parameters()
    assert_same_state(ours, theirs, TOL[torch.float64])


# --------------------------------------------------------------- layer, group, instance norm


@FAST
@given(
    seed=seeds,
    shape=st.lists(small, min_size=1, max_size=4).map(lambda s: (3, *s)),
    k=st.integers(1, 4),
    dtype=dtypes,
    eps=epsilons,
    affine=st.booleans(),
    as_int=st.booleans(),
)
def test_layer_norm_matches_torch(seed, shape, k, dtype, eps, affine, as_int):
    gen = torch.Generator().manual_seed(seed)
    k = min(k, len(shape))
    normalized_shape = shape[-k:]
    arg = normalized_shape[0] if as_int and k == 1 else normalized_shape
    weight = randn(gen, normalized_shape, dtype) if affine else None
    bias = randn(gen, normalized_shape, dtype) if affine else None
    x, g = data(gen, shape, dtype), randn(gen, shape, dtype)
    assume(well_conditioned(x, range(-k, 0)))
    out, grads = forward_backward(
        lambda *t: layer_norm(t[0], arg, t[1], t[2], eps), [x, weight, bias], g
    )
    ref, ref_grads = forward_backward(
        lambda *t: F.layer_norm(t[0], normalized_shape, t[1], t[2], eps), [x, weight, bias], g
    )
    assert_close(out, ref, **TOL[dtype])
    assert_all_close(grads, ref_grads, TOL[dtype])


@FAST
@given(
    seed=seeds,
    n=st.integers(2, 4),
    groups=st.integers(1, 4),
    per_group=st.integers(1, 3),
    spatial=st.lists(small, max_size=3),
    dtype=dtypes,
    eps=epsilons,
    affine=st.booleans(),
)
def test_group_norm_matches_torch(seed, n, groups, per_group, spatial, dtype, eps, affine):
    gen = torch.Generator().manual_seed(seed)
    shape = (n, groups * per_group, *spatial)
    # A group of one value has var 0: exact gradient 0, torch's float32 gives ~1e-5 noise.
    assume(per_group * math.prod(spatial) > 1)
    weight = randn(gen, shape[1:2], dtype) if affine else None
    bias = randn(gen, shape[1:2], dtype) if affine else None
    x, g = data(gen, shape, dtype), randn(gen, shape, dtype)
    assume(well_conditioned(x.reshape(n, groups, -1), [-1]))
    out, grads = forward_backward(
        lambda *t: group_norm(t[0], groups, t[1], t[2], eps), [x, weight, bias], g
    )
    ref, ref_grads = forward_backward(
        lambda *t: F.group_norm(t[0], groups, t[1], t[2], eps), [x, weight, bias], g
    )
    assert_close(out, ref, **TOL[dtype])
    assert_all_close(grads, ref_grads, TOL[dtype])


@settings(max_examples=40, deadline=None)
@given(
    seed=seeds,
    shape=batch_shapes(3, 5).filter(lambda s: math.prod(s[2:]) > 1),
    dtype=dtypes,
    momentum=momenta,
    affine=st.booleans(),
    buffers=st.booleans(),
    use_input_stats=st.booleans(),
)
def test_instance_norm_matches_torch(
    seed, shape, dtype, momentum, affine, buffers, use_input_stats
):
    gen = torch.Generator().manual_seed(seed)
    c = shape[1]
    if not use_input_stats:
        buffers = True  # eval mode needs them
    weight = randn(gen, (c,), dtype) if affine else None
    bias = randn(gen, (c,), dtype) if affine else None
    ours_rm, ours_rv = running_stats(gen, c, dtype) if buffers else (None, None)
    theirs_rm = None if ours_rm is None else ours_rm.clone()
    theirs_rv = None if ours_rv is None else ours_rv.clone()
    x, g = data(gen, shape, dtype), randn(gen, shape, dtype)
    assume(well_conditioned(x, range(2, len(shape))))
    out, grads = forward_backward(
        lambda x, w, b: instance_norm(x, ours_rm, ours_rv, w, b, use_input_stats, momentum),
        [x, weight, bias],
        g,
    )
    ref, ref_grads = forward_backward(
        lambda x, w, b: F.instance_norm(x, theirs_rm, theirs_rv, w, b, use_input_stats, momentum),
        [x, weight, bias],
        g,
    )
    tol = TOL[dtype]
    assert_close(out, ref, **tol)
    assert_all_close(grads, ref_grads, tol)
    assert_all_close([ours_rm, ours_rv], [theirs_rm, theirs_rv], tol)


# ------------------------------------------------------------------ closed-form backward


@FAST
@given(seed=seeds, shape=batch_shapes(), eps=epsilons, affine=st.booleans())
def test_batch_norm_backward_matches_autograd(seed, shape, eps, affine):
    dtype = torch.float64
    gen = torch.Generator().manual_seed(seed)
    c = shape[1]
    x, g = data(gen, shape, dtype), randn(gen, shape, dtype)
    weight, bias = randn(gen, (c,), dtype), randn(gen, (c,), dtype)
    # Autograd of torch's batch_norm, always with affine leaves so grad_weight exists.
    _, (dx, dw, db) = forward_backward(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, True, 0.1, eps), [x, weight, bias], g
    )
    if not affine:  # gamma = 1: dx of the affine-free layer; dw, db are unchanged
        weight = torch.ones(c, dtype=dtype)
        _, (dx, _, _) = forward_backward(
            lambda x, w, b: F.batch_norm(x, None, None, w, b, True, 0.1, eps),
            [x, weight, bias],
            g,
        )
    grads = batch_norm_backward(g, x, weight if affine else None, eps)
    assert_all_close(grads, [dx, dw, db], {"atol": 1e-10, "rtol": 1e-10})


@pytest.mark.parametrize("eps", [1e-5, 0.1, 1.0])
def test_input_gradient_has_zero_mean_and_is_orthogonal_to_x_hat_only_up_to_eps(eps):
    """The docstring's statement: Σᵢ ∂L/∂xᵢ = 0 exactly, while Σᵢ x̂ᵢ ∂L/∂xᵢ keeps the fraction
    ε/(σ² + ε) of γ Σᵢ gᵢ x̂ᵢ / √(σ² + ε) (zero only when ε = 0)."""
    gen = torch.Generator().manual_seed(0)
    x = 0.5 * torch.randn(8, 3, 5, generator=gen, dtype=torch.float64)  # σ² ≈ 0.25, near ε
    g = torch.randn(8, 3, 5, generator=gen, dtype=torch.float64)
    gamma = torch.rand(3, generator=gen, dtype=torch.float64) + 0.5
    dx, dgamma, _ = batch_norm_backward(g, x, gamma, eps)
    dims = (0, 2)
    var = x.var(dim=dims, correction=0)  # (C,)
    x_hat = (x - x.mean(dim=dims, keepdim=True)) / torch.sqrt(var[None, :, None] + eps)
    assert_close(dx.sum(dim=dims), torch.zeros(3, dtype=torch.float64), atol=1e-12, rtol=0)
    # Σᵢ x̂ᵢ ∂L/∂xᵢ = ε/(σ² + ε) · γ Σᵢ gᵢ x̂ᵢ / √(σ² + ε), with Σᵢ gᵢ x̂ᵢ = ∂L/∂γ
    expected = eps / (var + eps) * gamma * dgamma / torch.sqrt(var + eps)
    assert_close((x_hat * dx).sum(dim=dims), expected, atol=1e-12, rtol=1e-9)
    assert (expected.abs() > 1e-6).all()  # not orthogonal for ε > 0


def test_layer_norm_affine_differs_from_group_norm_with_one_group():
    """The module docstring: the normalizations differ in their axes, and the affine step
    differs too (LayerNorm: one γ per element of normalized_shape; GroupNorm: one per channel)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, generator=gen)  # (N, C, L)
    ln_weight = torch.randn(3, 4, generator=gen)  # one γ per (c, l)
    gn_weight = torch.randn(3, generator=gen)  # one γ per channel
    assert_close(group_norm(x, 1), layer_norm(x, (3, 4)))  # same normalization
    assert_close(
        layer_norm(x, (3, 4), ln_weight), F.layer_norm(x, (3, 4), ln_weight), **TOL[x.dtype]
    )
    assert_close(group_norm(x, 1, gn_weight), F.group_norm(x, 1, gn_weight), **TOL[x.dtype])
    with pytest.raises(ValueError):
        group_norm(x, 1, ln_weight)  # a per-element γ is not a GroupNorm weight


# ------------------------------------------------------------------------------- folding


def _train_bn(bn: nn.Module, make_batch: Callable[[], Tensor], gen: torch.Generator) -> None:
    """A few training steps so the running statistics are not the initial 0/1, then eval."""
    bn.train()
    for _ in range(3):
        bn(make_batch())
    if bn.weight is not None:
        with torch.no_grad():
            bn.weight.copy_(randn(gen, bn.weight.shape, bn.weight.dtype))
            bn.bias.copy_(randn(gen, bn.bias.shape, bn.bias.dtype))
    bn.eval()


@settings(max_examples=40, deadline=None)
@given(
    seed=seeds,
    layer=st.sampled_from(["conv", "conv_no_bias", "conv_groups", "linear", "linear_no_bias"]),
    ours_bn=st.booleans(),
    affine=st.booleans(),
    dtype=dtypes,
)
def test_fold_batch_norm_matches_unfused_pair(seed, layer, ours_bn, affine, dtype):
    gen = torch.Generator().manual_seed(seed)
    torch_gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)  # layer init uses the global generator
    if layer.startswith("conv"):
        groups = 2 if layer == "conv_groups" else 1
        fc = nn.Conv2d(4, 6, 3, padding=1, groups=groups, bias=layer != "conv_no_bias")
        bn_cls = BatchNorm2d if ours_bn else nn.BatchNorm2d
        x_shape: tuple[int, ...] = (5, 4, 6, 6)
    else:
        fc = nn.Linear(4, 6, bias=layer != "linear_no_bias")
        bn_cls = BatchNorm1d if ours_bn else nn.BatchNorm1d
        x_shape = (5, 4)
    torch.random.set_rng_state(torch_gen_state)
    fc = fc.to(dtype)
    bn = bn_cls(6, affine=affine, dtype=dtype)
    with torch.no_grad():
        _train_bn(bn, lambda: fc(data(gen, x_shape, dtype)), gen)
        w, b = fold_batch_norm(fc.weight, fc.bias, bn)
        x = data(gen, x_shape, dtype)
        expected = bn(fc(x))
        if layer.startswith("conv"):
            fused = F.conv2d(x, w, b, padding=1, groups=fc.groups)
            ref_w, ref_b = fuse_conv_bn_weights(
                fc.weight, fc.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
            )
        else:
            fused = F.linear(x, w, b)
            ref_w, ref_b = fuse_linear_bn_weights(
                fc.weight,
                fc.bias,
                bn.running_mean,
                bn.running_var,
                bn.eps,
                bn.weight if affine else torch.ones(6, dtype=dtype),
                bn.bias if affine else torch.zeros(6, dtype=dtype),
            )
    assert w.shape == fc.weight.shape and b.shape == (6,)
    assert_close(fused, expected, **TOL[dtype])
    assert_close(w, ref_w.detach(), **TOL[dtype])
    assert_close(b, ref_b.detach(), **TOL[dtype])


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1), (1, 3, 1, 1, 1)])
def test_single_value_per_channel_in_training_raises(shape):
    with raises_naming(ValueError, "input", "(N, C, *)"):
        batch_norm(torch.randn(shape), None, None, training=True)
    with pytest.raises(ValueError):  # torch rejects it too
        F.batch_norm(torch.randn(shape), None, None, training=True)
    module = {2: BatchNorm1d(3), 3: BatchNorm1d(3), 5: BatchNorm3d(3)}[len(shape)]
    with raises_naming(ValueError, "input", "(N, C, *)"):
        module(torch.randn(shape))
    assert batch_norm(torch.randn(shape), torch.zeros(3), torch.ones(3)).shape == shape  # eval ok


@pytest.mark.parametrize("fn", [batch_norm, group_norm, instance_norm])
def test_input_with_fewer_than_two_dims_raises(fn):
    args = {batch_norm: (None, None), group_norm: (1,), instance_norm: ()}[fn]
    with raises_naming(ValueError, "input", "(N, C, *)"):
        fn(torch.randn(4), *args)


def test_non_tensor_or_integer_input_raises_type_error():
    with raises_naming(TypeError, "input", "torch.Tensor"):
        batch_norm([[1.0, 2.0]], None, None, training=True)
    with raises_naming(TypeError, "input", "floating-point"):
        batch_norm(torch.ones(4, 3, dtype=torch.long), None, None, training=True)


@pytest.mark.parametrize("name", ["running_mean", "running_var", "weight", "bias"])
def test_per_channel_tensor_with_wrong_shape_raises(name):
    x = torch.randn(4, 3, 2)
    args = {"running_mean": torch.zeros(3), "running_var": torch.ones(3)}
    args[name] = torch.ones(4)
    with raises_naming(ValueError, name, "(C,)"):
        batch_norm(x, **args, training=True)
    with pytest.raises(RuntimeError):  # torch rejects it too
        F.batch_norm(x, **args, training=True)
    if name in ("weight", "bias"):
        with raises_naming(ValueError, name, "(C,)"):
            group_norm(x, 3, **{name: torch.ones(4)})
        with raises_naming(ValueError, name, "normalized_shape"):
            layer_norm(x, (2,), **{name: torch.ones(3)})


def test_mismatched_parameter_dtype_raises_like_torch():
    x = torch.randn(4, 3)
    with raises_naming(TypeError, "weight", "dtype"):
        batch_norm(x, None, None, torch.ones(3, dtype=torch.float64), training=True)
    with pytest.raises(RuntimeError):
        F.batch_norm(x, None, None, torch.ones(3, dtype=torch.float64), training=True)


def test_eval_without_running_stats_raises():
    with raises_naming(ValueError, "running_mean", "running_var", "training"):
        batch_norm(torch.randn(4, 3), None, None, training=False)
    with pytest.raises(RuntimeError):
        F.batch_norm(torch.randn(4, 3), None, None, training=False)
    with raises_naming(ValueError, "running_mean", "running_var", "use_input_stats"):
        instance_norm(torch.randn(4, 3, 5), use_input_stats=False)
    with pytest.raises(RuntimeError):
        F.instance_norm(torch.randn(4, 3, 5), use_input_stats=False)


@pytest.mark.parametrize("training", [True, False])
def test_only_one_running_buffer_raises_like_torch(training):
    x = torch.randn(4, 3)
    for running_mean, running_var in ((torch.zeros(3), None), (None, torch.ones(3))):
        with raises_naming(ValueError, "running_mean", "running_var"):
            batch_norm(x, running_mean, running_var, training=training)
        with pytest.raises((ValueError, RuntimeError)):
            F.batch_norm(x, running_mean, running_var, training=training)


def test_non_positive_eps_in_training_raises():
    with raises_naming(ValueError, "eps"):
        batch_norm(torch.randn(4, 3), None, None, training=True, eps=0.0)
    with pytest.raises(ValueError):
        F.batch_norm(torch.randn(4, 3), None, None, training=True, eps=0.0)


@pytest.mark.parametrize(
    ("module", "shape", "expected"),
    [
        (BatchNorm1d(3), (2, 3, 4, 4), ("(N, C)", "(N, C, L)")),
        (BatchNorm1d(3), (3,), ("(N, C)", "(N, C, L)")),
        (BatchNorm2d(3), (2, 3, 4), ("(N, C, H, W)",)),
        (BatchNorm3d(3), (2, 3, 4, 4), ("(N, C, D, H, W)",)),
    ],
)
def test_module_wrong_number_of_dims_raises(module, shape, expected):
    with raises_naming(ValueError, "input", *expected):
        module(torch.randn(shape))


@pytest.mark.parametrize("track_running_stats", [True, False])
def test_num_features_mismatch_raises(track_running_stats):
    module = BatchNorm2d(4, affine=False, track_running_stats=track_running_stats)
    with raises_naming(ValueError, "num_features", "input.shape[1]"):
        module(torch.randn(2, 3, 4, 4))


@pytest.mark.parametrize(("channels", "num_groups"), [(6, 4), (5, 2), (3, 0)])
def test_group_count_not_dividing_channels_raises(channels, num_groups):
    with raises_naming(ValueError, "num_groups"):
        group_norm(torch.randn(2, channels, 3), num_groups)


def test_layer_norm_shape_mismatch_raises():
    with raises_naming(ValueError, "input", "(*, 4)", "normalized_shape"):
        layer_norm(torch.randn(2, 3), 4)
    with raises_naming(ValueError, "normalized_shape"):
        layer_norm(torch.randn(2, 3), ())


def test_instance_norm_single_spatial_element_raises_like_torch():
    with raises_naming(ValueError, "input", "(N, C, *)"):
        instance_norm(torch.randn(2, 3, 1))
    with pytest.raises(ValueError):
        F.instance_norm(torch.randn(2, 3, 1))


def test_batch_norm_backward_shape_errors():
    x = torch.randn(4, 3, 2)
    with raises_naming(ValueError, "grad_output", "input"):
        batch_norm_backward(torch.randn(4, 3), x, None)
    with raises_naming(ValueError, "weight", "(C,)"):
        batch_norm_backward(torch.randn(4, 3, 2), x, torch.ones(2))


@pytest.mark.parametrize(
    "bn", [BatchNorm2d(6, track_running_stats=False), nn.BatchNorm2d(6, track_running_stats=False)]
)
def test_fold_without_running_stats_raises(bn):
    conv = nn.Conv2d(3, 6, 3)
    with raises_naming(ValueError, "bn", "track_running_stats"):
        fold_batch_norm(conv.weight, conv.bias, bn.eval())


def test_fold_channel_mismatch_raises():
    conv = nn.Conv2d(3, 6, 3)
    with raises_naming(ValueError, "conv_weight.shape[0]", "bn.num_features"):
        fold_batch_norm(conv.weight, conv.bias, nn.BatchNorm2d(5).eval())
    with raises_naming(ValueError, "conv_bias", "(C_out,)"):
        fold_batch_norm(conv.weight, torch.zeros(5), BatchNorm2d(6).eval())
