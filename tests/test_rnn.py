"""Property tests: dlnotes.rnn against torch.nn.RNN/LSTM/GRU, their cells and clip_grad_norm_.

Every tensor comes from a torch.Generator seeded with a hypothesis-drawn integer, so a failing
example reproduces from hypothesis' printout. Values and gradients (w.r.t. the input, the
initial states and every parameter) are compared with fp32 atol=rtol=1e-5 and fp64
atol=rtol=1e-10. The randomized sizes are small (sequences up to 6 steps) to keep the run
short; one seeded 100-step fp32 case checks that rounding does not drift past 1e-5.
"""

import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
from dlerrors import raises_naming
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn
from torch.testing import assert_close

from dlnotes import rnn

TOL = {torch.float32: {"atol": 1e-5, "rtol": 1e-5}, torch.float64: {"atol": 1e-10, "rtol": 1e-10}}
FAST = settings(max_examples=40, deadline=None)

# mode -> (ours, torch's, extra constructor kwargs)
LAYERS: dict[str, tuple[type, type, dict[str, Any]]] = {
    "LSTM": (rnn.LSTM, nn.LSTM, {}),
    "GRU": (rnn.GRU, nn.GRU, {}),
    "RNN_TANH": (rnn.RNN, nn.RNN, {"nonlinearity": "tanh"}),
    "RNN_RELU": (rnn.RNN, nn.RNN, {"nonlinearity": "relu"}),
}
CELLS: dict[str, tuple[type, type, dict[str, Any]]] = {
    "LSTM": (rnn.LSTMCell, nn.LSTMCell, {}),
    "GRU": (rnn.GRUCell, nn.GRUCell, {}),
    "RNN_TANH": (rnn.RNNCell, nn.RNNCell, {"nonlinearity": "tanh"}),
    "RNN_RELU": (rnn.RNNCell, nn.RNNCell, {"nonlinearity": "relu"}),
}


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Tiny tensors: torch's thread pool only adds overhead on a busy machine. Restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from([torch.float32, torch.float64])
modes = st.sampled_from(list(LAYERS))
small = st.integers(1, 5)


def twins(table: dict, mode: str, seed: int, *args: Any, **kwargs: Any) -> tuple[nn.Module, ...]:
    """Ours and torch's module built after the same torch.manual_seed(seed)."""
    ours_cls, torch_cls, extra = table[mode]
    modules = []
    for cls in (ours_cls, torch_cls):
        torch.manual_seed(seed)
        modules.append(cls(*args, **extra, **kwargs))
    return tuple(modules)


def randn(gen: torch.Generator, shape: tuple[int, ...], dtype: torch.dtype, grad: bool = True):
    return torch.randn(shape, generator=gen, dtype=dtype).requires_grad_(grad)


def flatten(result: Any) -> list[Tensor]:
    """(output, h_n) or (output, (h_n, c_n)) or (h, c) or h, as a flat list of tensors."""
    if isinstance(result, Tensor):
        return [result]
    return [t for part in result for t in flatten(part)]


def check_same_values_and_grads(
    ours: nn.Module,
    theirs: nn.Module,
    inputs: list[Tensor],
    call: Callable[[nn.Module, list[Tensor]], Any],
    gen: torch.Generator,
    tol: dict[str, float],
    seed: int | None = None,
) -> None:
    """Run both modules on copies of ``inputs``; compare outputs and every gradient."""
    results = []
    for module in (ours, theirs):
        xs = [x.detach().clone().requires_grad_(x.requires_grad) for x in inputs]
        if seed is not None:  # same dropout masks on both sides
            torch.manual_seed(seed)
        outs = flatten(call(module, xs))
        results.append((xs, outs))
    (xs_a, outs_a), (xs_b, outs_b) = results
    assert [o.shape for o in outs_a] == [o.shape for o in outs_b]
    for a, b in zip(outs_a, outs_b, strict=True):
        assert_close(a, b, **tol)
    # one random weighting of every output, the same on both sides
    weights = [torch.randn(o.shape, generator=gen, dtype=o.dtype) for o in outs_b]
    for outs, module in ((outs_a, ours), (outs_b, theirs)):
        module.zero_grad()
        sum((o * w).sum() for o, w in zip(outs, weights, strict=True)).backward()
    for a, b in zip(xs_a, xs_b, strict=True):
        if b.requires_grad:
            assert_close(a.grad, b.grad, **tol)
    params_a, params_b = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(params_a) == list(params_b)
    for name, p in params_b.items():
        assert_close(params_a[name].grad, p.grad, **tol, msg=lambda m, name=name: f"{name}: {m}")


# ----------------------------------------------------------------------------- layers


@st.composite
def layer_configs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "mode": draw(modes),
        "input_size": draw(small),
        "hidden_size": draw(small),
        "num_layers": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "bidirectional": draw(st.booleans()),
        "batch": draw(st.integers(1, 4)),
        "seq_len": draw(st.integers(1, 6)),
        "unbatched": draw(st.booleans()),
        "with_state": draw(st.booleans()),
        "dtype": draw(dtypes),
    }


def layer_inputs(cfg: dict[str, Any], gen: torch.Generator) -> list[Tensor]:
    """[input] or [input, h_0] or [input, h_0, c_0] in the layout the module expects."""
    L, N, dtype = cfg["seq_len"], cfg["batch"], cfg["dtype"]
    if cfg["unbatched"]:
        x_shape: tuple[int, ...] = (L, cfg["input_size"])
    else:
        x_shape = (N, L, cfg["input_size"]) if cfg["batch_first"] else (L, N, cfg["input_size"])
    inputs = [randn(gen, x_shape, dtype)]
    if cfg["with_state"]:
        rows = cfg["num_layers"] * (2 if cfg["bidirectional"] else 1)
        state = (rows, cfg["hidden_size"]) if cfg["unbatched"] else (rows, N, cfg["hidden_size"])
        inputs += [randn(gen, state, dtype) for _ in range(2 if cfg["mode"] == "LSTM" else 1)]
    return inputs


def call_layer(module: nn.Module, xs: list[Tensor]) -> Any:
    if len(xs) == 1:
        return module(xs[0])
    return module(xs[0], tuple(xs[1:]) if len(xs) == 3 else xs[1])


def build_layers(cfg: dict[str, Any], seed: int, **extra: Any) -> tuple[nn.Module, ...]:
    keys = ("num_layers", "bias", "batch_first", "bidirectional")
    kwargs = {k: cfg[k] for k in keys} | {"dtype": cfg["dtype"]} | extra
    ours, theirs = twins(LAYERS, cfg["mode"], seed, cfg["input_size"], cfg["hidden_size"], **kwargs)
    return ours, theirs


@FAST
@given(cfg=layer_configs(), seed=seeds)
def test_layers_match_torch(cfg: dict[str, Any], seed: int) -> None:
    """Values, h_n (c_n) and gradients w.r.t. input, h_0 (c_0) and every parameter."""
    gen = torch.Generator().manual_seed(seed)
    ours, theirs = build_layers(cfg, seed)
    for (name, a), (name_b, b) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        assert name == name_b and torch.equal(a, b), name  # same init under the same seed
    inputs = layer_inputs(cfg, gen)
    check_same_values_and_grads(ours, theirs, inputs, call_layer, gen, TOL[cfg["dtype"]])


@settings(max_examples=20, deadline=None)
@given(cfg=layer_configs(), seed=seeds, p=st.sampled_from([0.0, 0.3, 0.7, 1.0]))
def test_layers_with_dropout_match_torch(cfg: dict[str, Any], seed: int, p: float) -> None:
    """Eval mode: no dropout at all. Train mode: torch draws one mask per layer output but the
    last, on the time-major (L, N, D·H) tensor; ours does too, so the same seed gives the same
    masks and equal values and gradients."""
    gen = torch.Generator().manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # dropout with num_layers=1 warns (as torch)
        ours, theirs = build_layers(cfg, seed, dropout=p)
    inputs = layer_inputs(cfg, gen)
    tol = TOL[cfg["dtype"]]
    ours.eval(), theirs.eval()
    check_same_values_and_grads(ours, theirs, inputs, call_layer, gen, tol)
    ours.train(), theirs.train()
    check_same_values_and_grads(ours, theirs, inputs, call_layer, gen, tol, seed=seed)


def test_dropout_statistics_in_training() -> None:
    """Layer 2 of a ReLU RNN with W_ih = I, W_hh = 0 and no bias returns its input: in training
    a fraction ≈ p of layer 1's outputs comes out zeroed, the rest scaled by 1/(1 − p)."""
    p, H = 0.3, 50
    model = rnn.RNN(H, H, num_layers=2, nonlinearity="relu", bias=False, dropout=p)
    with torch.no_grad():
        model.weight_ih_l0.copy_(torch.eye(H))
        model.weight_hh_l0.zero_()
        model.weight_ih_l1.copy_(torch.eye(H))
        model.weight_hh_l1.zero_()
    x = torch.rand(40, 20, H, generator=torch.Generator().manual_seed(0)) + 0.5  # > 0: ReLU = id
    model.eval()
    assert torch.equal(model(x)[0], x)
    model.train()
    out = model(x)[0]
    zeroed = out == 0
    n = zeroed.numel()  # 40 000 Bernoulli(p) draws: 6 standard deviations ≈ 0.014
    assert abs(zeroed.float().mean().item() - p) < 6 * math.sqrt(p * (1 - p) / n)
    assert_close(out[~zeroed], x[~zeroed] / (1 - p))
    assert not torch.equal(model(x)[0], out)  # a new mask per call


@settings(max_examples=10, deadline=None)
@given(cfg=layer_configs(), seed=seeds)
def test_state_dict_round_trip_both_ways(cfg: dict[str, Any], seed: int) -> None:
    """Strict loading works both ways; after it, both compute the same function."""
    ours, theirs = build_layers(cfg, seed)
    other_ours, other_theirs = build_layers(cfg, seed + 1)
    other_ours.load_state_dict(theirs.state_dict(), strict=True)
    other_theirs.load_state_dict(ours.state_dict(), strict=True)
    x = layer_inputs(cfg, torch.Generator().manual_seed(seed))[0].detach()
    tol = TOL[cfg["dtype"]]
    for a, b in ((other_ours, theirs), (ours, other_theirs)):
        for u, v in zip(flatten(a(x)), flatten(b(x)), strict=True):
            assert_close(u, v, **tol)


def test_longer_sequence_fp32() -> None:
    """100 steps, fp32, hidden 32, still at 1e-5. torch's LSTM runs through oneDNN here, so
    its sums are ordered differently: the largest gap seen is 5e-6 on the weight gradients
    (summed over 100 steps); the GRU has no oneDNN path and matches bit for bit."""
    gen = torch.Generator().manual_seed(0)
    for mode in ("LSTM", "GRU"):
        ours, theirs = twins(LAYERS, mode, 0, 8, 32, num_layers=2)
        x = randn(gen, (100, 3, 8), torch.float32)
        check_same_values_and_grads(ours, theirs, [x], call_layer, gen, TOL[torch.float32])


def test_returns_like_torch() -> None:
    """Return structure: output is the last layer's h at every step; h_n its last step."""
    lstm = rnn.LSTM(2, 3, num_layers=2, batch_first=True)
    x = torch.randn(4, 5, 2)
    output, hidden = lstm(x)
    assert isinstance(hidden, tuple) and len(hidden) == 2
    assert torch.equal(output[:, -1], hidden[0][-1])
    gru = rnn.GRU(2, 3, bidirectional=True)
    output, h_n = gru(x)
    assert isinstance(h_n, Tensor) and h_n.shape == (2, 5, 3)
    assert torch.equal(output[-1, :, :3], h_n[0])  # forward direction ends at t = L − 1
    assert torch.equal(output[0, :, 3:], h_n[1])  # reverse direction ends at t = 0
    assert repr(rnn.LSTM(2, 3, num_layers=2, bidirectional=True)) == repr(
        nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    )


# ----------------------------------------------------------------------------- cells


@FAST
@given(
    mode=modes,
    input_size=small,
    hidden_size=small,
    batch=st.integers(0, 4),  # 0: unbatched
    bias=st.booleans(),
    with_state=st.booleans(),
    dtype=dtypes,
    seed=seeds,
)
def test_cells_match_torch(
    mode: str,
    input_size: int,
    hidden_size: int,
    batch: int,
    bias: bool,
    with_state: bool,
    dtype: torch.dtype,
    seed: int,
) -> None:
    gen = torch.Generator().manual_seed(seed)
    ours, theirs = twins(CELLS, mode, seed, input_size, hidden_size, bias=bias, dtype=dtype)
    for (name, a), (name_b, b) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        assert name == name_b and torch.equal(a, b), name
    lead = (batch,) if batch else ()
    inputs = [randn(gen, (*lead, input_size), dtype)]
    if with_state:
        inputs += [randn(gen, (*lead, hidden_size), dtype) for _ in range(1 + (mode == "LSTM"))]

    def call(cell: nn.Module, xs: list[Tensor]) -> Any:
        if len(xs) == 1:
            return cell(xs[0])
        return cell(xs[0], tuple(xs[1:]) if mode == "LSTM" else xs[1])

    check_same_values_and_grads(ours, theirs, inputs, call, gen, TOL[dtype])


def test_gate_order_and_formulas_by_hand() -> None:
    """LSTM i, f, g, o and GRU r, z, n written out with torch's own per-gate slices."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, dtype=torch.float64)
    h, c = torch.randn(2, 2, 4, dtype=torch.float64)
    cell = rnn.LSTMCell(3, 4, dtype=torch.float64)
    W_i, W_h = cell.weight_ih.chunk(4), cell.weight_hh.chunk(4)
    b_i, b_h = cell.bias_ih.chunk(4), cell.bias_hh.chunk(4)
    pre = [x @ W_i[k].T + b_i[k] + h @ W_h[k].T + b_h[k] for k in range(4)]
    i, f, g, o = pre[0].sigmoid(), pre[1].sigmoid(), pre[2].tanh(), pre[3].sigmoid()
    c_new = f * c + i * g
    h_ours, c_ours = cell(x, (h, c))
    assert_close(c_ours, c_new)
    assert_close(h_ours, o * c_new.tanh())
    gru = rnn.GRUCell(3, 4, dtype=torch.float64)
    W_i, W_h = gru.weight_ih.chunk(3), gru.weight_hh.chunk(3)
    b_i, b_h = gru.bias_ih.chunk(3), gru.bias_hh.chunk(3)
    r = (x @ W_i[0].T + b_i[0] + h @ W_h[0].T + b_h[0]).sigmoid()
    z = (x @ W_i[1].T + b_i[1] + h @ W_h[1].T + b_h[1]).sigmoid()
    n = (x @ W_i[2].T + b_i[2] + r * (h @ W_h[2].T + b_h[2])).tanh()
    assert_close(gru(x, h), (1 - z) * n + z * h)
    cho = (x @ W_i[2].T + b_i[2] + (r * h) @ W_h[2].T + b_h[2]).tanh()  # Cho et al. 2014
    assert not torch.allclose((1 - z) * cho + z * h, gru(x, h), atol=1e-3)


def test_default_init_is_torchs() -> None:
    """Same seed, same draws, and every value inside ±1/√H (forget bias included)."""
    for mode in LAYERS:
        ours, theirs = twins(LAYERS, mode, 7, 3, 16, num_layers=2, bidirectional=True)
        for (name, a), (_, b) in zip(
            ours.state_dict().items(), theirs.state_dict().items(), strict=True
        ):
            assert torch.equal(a, b), (mode, name)
            assert a.abs().max() <= 1 / math.sqrt(16)
        cell, torch_cell = twins(CELLS, mode, 7, 3, 16)
        for a, b in zip(cell.parameters(), torch_cell.parameters(), strict=True):
            assert torch.equal(a, b), mode


# ----------------------------------------------------------------------------- rnn_param_count


@settings(max_examples=30, deadline=None)
@given(
    mode=st.sampled_from(["RNN", "LSTM", "GRU"]),
    input_size=st.integers(1, 40),
    hidden_size=st.integers(1, 40),
    num_layers=st.integers(1, 4),
    bias=st.booleans(),
    bidirectional=st.booleans(),
)
def test_param_count_matches_torch_modules(
    mode: str, input_size: int, hidden_size: int, num_layers: int, bias: bool, bidirectional: bool
) -> None:
    torch_cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
    module = torch_cls(input_size, hidden_size, num_layers, bias=bias, bidirectional=bidirectional)
    expected = sum(p.numel() for p in module.parameters())
    count = rnn.rnn_param_count(
        mode, input_size, hidden_size, num_layers, bias, bidirectional=bidirectional
    )
    assert count == expected
    lstm = rnn.rnn_param_count("LSTM", input_size, hidden_size, num_layers, bias)
    assert 4 * rnn.rnn_param_count("GRU", input_size, hidden_size, num_layers, bias) == 3 * lstm


# ----------------------------------------------------------------------------- clip_grad_norm_


norm_types = st.sampled_from([1.0, 2.0, math.inf, 2, 3.5])
containers = st.sampled_from(["list", "generator", "tensor"])


@settings(max_examples=60, deadline=None)
@given(
    seed=seeds,
    count=st.integers(1, 5),
    norm_type=norm_types,
    max_norm=st.sampled_from([1e-3, 0.5, 1.0, 3.0, 1e3]),
    container=containers,
    dtype=dtypes,
)
def test_clip_grad_norm_matches_torch(
    seed: int,
    count: int,
    norm_type: float,
    max_norm: float,
    container: str,
    dtype: torch.dtype,
) -> None:
    """Returned norm and clipped grads as torch's, params without grad skipped (and kept)."""
    gen = torch.Generator().manual_seed(seed)
    shapes = [tuple(torch.randint(1, 4, (k,), generator=gen).tolist()) for k in range(1, count + 1)]
    has_grad = torch.rand(count, generator=gen) < 0.7
    if container == "tensor":
        shapes, has_grad = shapes[:1], torch.ones(1, dtype=torch.bool)
    scale = torch.rand(count, generator=gen) * 4  # the norm lands below and above max_norm

    def make() -> list[Tensor]:
        params = []
        for k, shape in enumerate(shapes):
            p = torch.zeros(shape, dtype=dtype, requires_grad=True)
            if has_grad[k]:
                g = torch.randn(shape, generator=torch.Generator().manual_seed(seed + k))
                p.grad = (g * scale[k]).to(dtype)
            params.append(p)
        return params

    def wrap(params: list[Tensor]) -> Any:
        if container == "tensor":
            return params[0]
        return (p for p in params) if container == "generator" else params

    ours, theirs = make(), make()
    total = rnn.clip_grad_norm_(wrap(ours), max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(wrap(theirs), max_norm, norm_type)
    assert isinstance(total, Tensor) and total.shape == ()
    assert total.dtype == expected.dtype
    # fp64 at 1e-10 sees a coefficient without the + 1e-6 (a relative change of ~1e-6)
    assert_close(total, expected, **TOL[dtype])
    for a, b in zip(ours, theirs, strict=True):
        if b.grad is None:
            assert a.grad is None
        else:
            assert_close(a.grad, b.grad, **TOL[dtype])


def test_clip_grad_norm_edge_cases() -> None:
    p = torch.zeros(3, requires_grad=True)
    assert torch.equal(rnn.clip_grad_norm_([p], 1.0), torch.nn.utils.clip_grad_norm_([p], 1.0))
    with pytest.warns(UserWarning, match="empty generator"):
        rnn.clip_grad_norm_((q for q in []), 1.0)
    p.grad = torch.tensor([1.0, math.inf, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        rnn.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    q = p.detach().clone().requires_grad_()
    q.grad = p.grad.clone()
    ours = rnn.clip_grad_norm_(p, 1.0, foreach=True)
    theirs = torch.nn.utils.clip_grad_norm_(q, 1.0, foreach=True)
    assert torch.equal(ours, theirs)  # inf, and the grads scaled by 1/inf, as torch
    assert_close(p.grad, q.grad, equal_nan=True)
    r = torch.zeros(2, requires_grad=True)
    r.grad = torch.tensor([0.3, 0.4])  # norm 0.5 < max_norm: unchanged (coefficient clamped)
    assert_close(rnn.clip_grad_norm_(r, 1.0), torch.tensor(0.5))
    assert_close(r.grad, torch.tensor([0.3, 0.4]))


# ----------------------------------------------------------------------------- errors


def _lstm() -> rnn.LSTM:
    return rnn.LSTM(3, 4, num_layers=2)


ERRORS: list[tuple[str, Callable[[], Any], type[Exception], tuple[str, ...]]] = [
    # wrong input size / rank
    (
        "input size",
        lambda: _lstm()(torch.randn(5, 2, 7)),
        ValueError,
        ("input", "input_size"),
    ),
    (
        "1-D input",
        lambda: _lstm()(torch.randn(5)),
        ValueError,
        ("input", "(L, N, H_in)", "(L, H_in)"),
    ),
    (
        "4-D input",
        lambda: rnn.GRU(3, 4, batch_first=True)(torch.randn(1, 2, 5, 3)),
        ValueError,
        ("input", "(N, L, H_in)", "(L, H_in)"),
    ),
    ("empty sequence", lambda: _lstm()(torch.randn(0, 2, 3)), ValueError, ("input", "L")),
    (
        "not a tensor",
        lambda: _lstm()([[1.0, 2.0, 3.0]]),
        TypeError,
        ("input", "torch.Tensor", "(L, N, H_in)"),
    ),
    (
        "integer input",
        lambda: _lstm()(torch.ones(5, 2, 3, dtype=torch.long)),
        TypeError,
        ("input", "floating-point"),
    ),
    (
        "dtype",
        lambda: _lstm()(torch.randn(5, 2, 3, dtype=torch.float64)),
        TypeError,
        ("input", "dtype"),
    ),
    (
        "packed",
        lambda: _lstm()(nn.utils.rnn.pack_sequence([torch.randn(2, 3)])),
        TypeError,
        ("input", "PackedSequence"),
    ),
    # wrong states
    (
        "h_0 layers",
        lambda: _lstm()(torch.randn(5, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(2, 2, 4))),
        ValueError,
        ("hx[0]", "(num_layers * D, N, H_out)"),
    ),
    (
        "c_0 batch",
        lambda: _lstm()(torch.randn(5, 2, 3), (torch.zeros(2, 2, 4), torch.zeros(2, 3, 4))),
        ValueError,
        ("hx[1]", "(num_layers * D, N, H_out)"),
    ),
    (
        "h_0 hidden",
        lambda: rnn.GRU(3, 4)(torch.randn(5, 2, 3), torch.zeros(1, 2, 5)),
        ValueError,
        ("hx", "(num_layers * D, N, H_out)"),
    ),
    (
        "bidirectional h_0",
        lambda: rnn.GRU(3, 4, bidirectional=True)(torch.randn(5, 2, 3), torch.zeros(1, 2, 4)),
        ValueError,
        ("hx", "(num_layers * D, N, H_out)"),
    ),
    (
        "batch_first h_0 stays (layers, N, H)",
        lambda: rnn.GRU(3, 4, batch_first=True)(torch.randn(2, 5, 3), torch.zeros(2, 1, 4)),
        ValueError,
        ("hx", "(num_layers * D, N, H_out)"),
    ),
    (
        "unbatched 3-D h_0",
        lambda: rnn.RNN(3, 4)(torch.randn(5, 3), torch.zeros(1, 1, 4)),
        ValueError,
        ("hx", "(num_layers * D, H_out)"),
    ),
    (
        "h_0 dtype",
        lambda: rnn.RNN(3, 4)(torch.randn(5, 1, 3), torch.zeros(1, 1, 4).double()),
        TypeError,
        ("hx", "dtype"),
    ),
    (
        "hx not a tuple",
        lambda: _lstm()(torch.randn(5, 2, 3), torch.zeros(2, 2, 4)),
        TypeError,
        ("hx", "(h_0, c_0)"),
    ),
    # cells
    (
        "cell 3-D input",
        lambda: rnn.LSTMCell(3, 4)(torch.randn(1, 2, 3)),
        ValueError,
        ("input", "(N, 3)", "(3,)"),
    ),
    (
        "cell input size",
        lambda: rnn.GRUCell(3, 4)(torch.randn(2, 5)),
        ValueError,
        ("input", "input_size"),
    ),
    (
        "cell state batch",
        lambda: rnn.GRUCell(3, 4)(torch.randn(2, 3), torch.zeros(3, 4)),
        ValueError,
        ("hx", "(N, H)"),
    ),
    (
        "cell c shape",
        lambda: rnn.LSTMCell(3, 4)(torch.randn(2, 3), (torch.zeros(2, 4), torch.zeros(2, 5))),
        ValueError,
        ("hx[1]", "(N, H)"),
    ),
    (
        "cell unbatched state",
        lambda: rnn.RNNCell(3, 4)(torch.randn(3), torch.zeros(1, 4)),
        ValueError,
        ("hx", "(H,)"),
    ),
    # constructors
    (
        "nonlinearity",
        lambda: rnn.RNN(3, 4, nonlinearity="sigmoid"),
        ValueError,
        ("nonlinearity", "'tanh'", "'relu'"),
    ),
    (
        "cell nonlinearity",
        lambda: rnn.RNNCell(3, 4, nonlinearity="gelu"),
        ValueError,
        ("nonlinearity",),
    ),
    ("input_size 0", lambda: rnn.LSTM(0, 4), ValueError, ("input_size",)),
    ("hidden_size -1", lambda: rnn.GRUCell(3, -1), ValueError, ("hidden_size",)),
    ("num_layers 0", lambda: rnn.GRU(3, 4, num_layers=0), ValueError, ("num_layers",)),
    ("float size", lambda: rnn.LSTM(3.0, 4), TypeError, ("input_size",)),
    ("bias type", lambda: rnn.LSTMCell(3, 4, bias=1), TypeError, ("bias",)),
    (
        "batch_first type",
        lambda: rnn.GRU(3, 4, batch_first="yes"),
        TypeError,
        ("batch_first",),
    ),
    ("dropout > 1", lambda: rnn.GRU(3, 4, 2, dropout=1.5), ValueError, ("dropout",)),
    ("dropout < 0", lambda: rnn.GRU(3, 4, 2, dropout=-0.1), ValueError, ("dropout",)),
    ("proj_size", lambda: rnn.LSTM(3, 4, proj_size=2), ValueError, ("proj_size",)),
    # utilities
    (
        "param count mode",
        lambda: rnn.rnn_param_count("Transformer", 3, 4),
        ValueError,
        ("mode", "'RNN'", "'LSTM'", "'GRU'"),
    ),
    (
        "param count size",
        lambda: rnn.rnn_param_count("GRU", 3, 0),
        ValueError,
        ("hidden_size",),
    ),
    (
        "clip non-tensor",
        lambda: rnn.clip_grad_norm_([1.0], 1.0),
        TypeError,
        ("parameters[0]",),
    ),
    ("clip max_norm", lambda: rnn.clip_grad_norm_([], "1"), TypeError, ("max_norm",)),
]


@pytest.mark.parametrize(
    ("call", "error", "names"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors_name_the_argument_and_shapes(
    call: Callable[[], Any], error: type[Exception], names: tuple[str, ...]
) -> None:
    with raises_naming(error, *names):
        call()


def test_dropout_with_one_layer_warns_as_torch() -> None:
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        rnn.LSTM(3, 4, dropout=0.5)
