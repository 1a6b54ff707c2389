"""Property tests: dlnotes.optim against torch.optim and torch.optim.lr_scheduler.

Optimizers run side by side with torch's default implementation (on CPU: the single-tensor
loop) on randomized small problems (an MLP or a quadratic on fresh random data every step),
for 30 steps, with two param groups with different hyperparameters, every flag combination,
float32 and float64, and some gradients set to None (and, more briefly, against torch's
``foreach=True`` implementation). Our ``_foreach`` code runs the same
per-tensor kernels in torch's order, so the trajectories are compared **bit for bit**
(stricter than the fp32 1e-5 / fp64 1e-10 tolerances the project allows). Every tensor comes
from a torch.Generator seeded with a hypothesis-drawn integer, so a failure reproduces.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from dlerrors import raises_naming
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn
from torch.optim import lr_scheduler as torch_sched

from dlnotes.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    EarlyStopping,
    ExponentialLR,
    LinearLR,
    RMSprop,
    StepLR,
    epoch_indices,
    minibatches,
)

STEPS = 30
FAST = settings(max_examples=2, deadline=None)  # x 80 flag/dtype cases
seeds = st.integers(0, 2**32 - 1)
dtypes = [torch.float32, torch.float64]


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Tiny tensors: torch's thread pool only adds overhead on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ----------------------------------------------------------------------------- problems


class Problem:
    """Five parameters: an MLP's (W1, b1, W2, b2) and one that never gets a gradient.

    ``loss(params, step)`` draws fresh data from a generator seeded by (seed, step), so two
    runs with equal parameters see equal gradients. ``kind`` is ``"mlp"`` (a tanh MLP with a
    squared error) or ``"quadratic"`` (½ (θ − c)ᵀ A (θ − c) over all four used tensors, A
    random positive definite, c a noisy target).
    """

    shapes = ((4, 3), (4,), (1, 4), (1,), (2,))

    def __init__(self, seed: int, dtype: torch.dtype, kind: str) -> None:
        self.seed, self.dtype, self.kind = seed, dtype, kind
        g = torch.Generator().manual_seed(seed)
        self.init = [torch.randn(s, generator=g, dtype=dtype) for s in self.shapes]
        n = sum(math.prod(s) for s in self.shapes[:4])
        m = torch.randn(n, n, generator=g, dtype=dtype)
        self.a = m.T @ m / n + 0.1 * torch.eye(n, dtype=dtype)  # (n, n), positive definite

    def params(self) -> list[nn.Parameter]:
        return [nn.Parameter(t.clone()) for t in self.init]

    def loss(self, params: list[Tensor], step: int) -> Tensor:
        g = torch.Generator().manual_seed(self.seed + 7919 * (step + 1))
        w1, b1, w2, b2, _ = params
        if self.kind == "mlp":
            x = torch.randn(8, 3, generator=g, dtype=self.dtype)  # (B, 3)
            y = torch.randn(8, 1, generator=g, dtype=self.dtype)  # (B, 1)
            return ((torch.tanh(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()
        theta = torch.cat([w1.flatten(), b1, w2.flatten(), b2])  # (n,)
        c = 0.3 * torch.randn(theta.shape, generator=g, dtype=self.dtype)
        return 0.5 * (theta - c) @ self.a @ (theta - c)


def run(
    problem: Problem,
    params: list[nn.Parameter],
    opt: torch.optim.Optimizer,
    steps: range,
    no_grad: set[tuple[int, int]],
    after_step: Callable[[int], None] | None = None,
) -> None:
    """Steps ``steps`` of training; grads listed in ``no_grad`` as (step, index) are None."""
    for step in steps:
        opt.zero_grad()
        problem.loss(params, step).backward()
        for i, p in enumerate(params):
            if (step, i) in no_grad:
                p.grad = None
        opt.step()
        if after_step is not None:
            after_step(step)


def groups(params: list[nn.Parameter], hypers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two param groups: (W1, b1) and (W2, b2, unused), each with its own hyperparameters."""
    return [{"params": params[:2], **hypers[0]}, {"params": params[2:], **hypers[1]}]


# ----------------------------------------------------------------------------- hyperparameters

lrs = st.floats(1e-3, 0.1)
decays = st.sampled_from([0.0, 1e-2, 0.1])
betas = st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.999))


def positive(x: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    return x.filter(lambda v: v > 0)


# Flags of group 0, one test case each (every combination); group 1's are drawn at random.
FLAGS: dict[str, list[dict[str, Any]]] = {
    "SGD": [
        {"momentum": m, "nesterov": n, "dampening": d, "maximize": mx, "weight_decay": wd}
        for m, n, d, mx, wd in itertools.product([0, 1], [False, True], [0, 1], [0, 1], [0, 1])
        if not (n and (m == 0 or d == 1)) and not (m == 0 and d == 1)
    ],
    "Adagrad": [
        {"lr_decay": a, "weight_decay": b, "initial_accumulator_value": c}
        for a, b, c in itertools.product([0, 1], repeat=3)
    ],
    "RMSprop": [
        {"centered": c, "momentum": m, "weight_decay": w}
        for c, m, w in itertools.product([False, True], [0, 1], [0, 1])
    ],
    "Adam": [
        {"amsgrad": a, "weight_decay": w} for a, w in itertools.product([False, True], [0, 1])
    ],
    "AdamW": [
        {"amsgrad": a, "weight_decay": w} for a, w in itertools.product([False, True], [0, 1])
    ],
}


def draw_hyper(draw: st.DrawFn, name: str, flags: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters for one group; a flag of 1 means "draw a positive value", 0 means 0."""

    def value(key: str, strategy: st.SearchStrategy[float]) -> float:
        return draw(positive(strategy)) if flags[key] else 0.0

    if name == "SGD":
        return {
            "lr": draw(lrs),
            "momentum": value("momentum", st.floats(0.0, 0.99)),
            "dampening": value("dampening", st.floats(0.0, 0.9)),
            "weight_decay": value("weight_decay", decays),
            "nesterov": flags["nesterov"],
            "maximize": bool(flags["maximize"]),
        }
    if name == "Adagrad":
        return {
            "lr": draw(st.floats(1e-3, 0.3)),
            "lr_decay": value("lr_decay", st.floats(0.0, 0.5)),
            "weight_decay": value("weight_decay", decays),
            "eps": draw(st.sampled_from([1e-10, 1e-6, 0.1])),
        }
    if name == "RMSprop":
        return {
            "lr": draw(st.floats(1e-4, 1e-2)),
            "alpha": draw(st.floats(0.5, 0.999)),
            "eps": draw(st.sampled_from([1e-8, 1e-4, 0.1])),
            "weight_decay": value("weight_decay", decays),
            "momentum": value("momentum", st.floats(0.0, 0.9)),
            "centered": flags["centered"],
        }
    return {
        "lr": draw(lrs),
        "betas": draw(betas),
        "eps": draw(st.sampled_from([1e-8, 1e-4, 0.1])),
        "weight_decay": value("weight_decay", decays),
        "amsgrad": flags["amsgrad"],
    }


OURS = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}
TORCH = {name: getattr(torch.optim, name) for name in OURS}
CASES = [(name, i) for name, flag_list in FLAGS.items() for i in range(len(flag_list))]


@st.composite
def setups(draw: st.DrawFn, name: str, case: int) -> dict[str, Any]:
    """A problem, two groups' hyperparameters, None-grad positions and a save step."""
    hypers = [
        draw_hyper(draw, name, FLAGS[name][case]),
        draw_hyper(draw, name, draw(st.sampled_from(FLAGS[name]))),
    ]
    ctor: dict[str, Any] = {}
    if name == "Adagrad":  # torch reads this one from the constructor only, never per group
        ctor["initial_accumulator_value"] = (
            draw(st.floats(0.01, 1.0)) if FLAGS[name][case]["initial_accumulator_value"] else 0.0
        )
    return {
        "seed": draw(seeds),
        "kind": draw(st.sampled_from(["mlp", "quadratic"])),
        "hypers": hypers,
        "ctor": ctor,
        # (step, param index) with grad None; index 4 never has a gradient anyway
        "no_grad": draw(st.sets(st.tuples(st.integers(0, STEPS - 1), st.integers(0, 3)))),
        "save_at": draw(st.integers(1, STEPS - 1)),
    }


def build(cls: type, params: list[nn.Parameter], setup: dict[str, Any]) -> Any:
    return cls(groups(params, setup["hypers"]), **setup["ctor"])


def assert_same_state(ours: torch.optim.Optimizer, theirs: torch.optim.Optimizer) -> None:
    """Same params with state, same keys, same values (bit for bit), same step dtype."""
    for p_ours, p_theirs in zip(
        (p for g in ours.param_groups for p in g["params"]),
        (p for g in theirs.param_groups for p in g["params"]),
        strict=True,
    ):
        assert (p_ours in ours.state) == (p_theirs in theirs.state)
        s_ours, s_theirs = ours.state.get(p_ours, {}), theirs.state.get(p_theirs, {})
        assert sorted(s_ours) == sorted(s_theirs)
        for key in s_ours:
            assert s_ours[key].dtype == s_theirs[key].dtype, key
            assert torch.equal(s_ours[key], s_theirs[key]), key


def assert_same_params(a: list[Tensor], b: list[Tensor]) -> None:
    for x, y in zip(a, b, strict=True):
        assert torch.equal(x, y), (x - y).abs().max()


# ----------------------------------------------------------------------------- optimizers


@pytest.mark.parametrize("dtype", dtypes, ids=str)
@pytest.mark.parametrize(("name", "case"), CASES)
@FAST
@given(data=st.data())
def test_trajectory_and_state_match_torch(
    name: str, case: int, dtype: torch.dtype, data: st.DataObject
) -> None:
    """30 steps of ours and torch's: equal params and equal state after every step."""
    setup = data.draw(setups(name, case))
    problem = Problem(setup["seed"], dtype, setup["kind"])
    ours_p, torch_p = problem.params(), problem.params()
    ours, theirs = build(OURS[name], ours_p, setup), build(TORCH[name], torch_p, setup)
    assert_same_state(ours, theirs)  # Adagrad: state at construction
    for step in range(STEPS):
        run(problem, ours_p, ours, range(step, step + 1), setup["no_grad"])
        run(problem, torch_p, theirs, range(step, step + 1), setup["no_grad"])
        assert_same_params(ours_p, torch_p)
        assert_same_state(ours, theirs)
    # the never-updated parameter keeps its value and (except Adagrad's) has no state
    assert torch.equal(ours_p[4], problem.init[4])
    assert (ours_p[4] in ours.state) == (name == "Adagrad")
    # the groups' hyperparameters are torch's (torch adds foreach, fused, ... of its own)
    for g_ours, g_theirs in zip(ours.param_groups, theirs.param_groups, strict=True):
        for key, value in g_ours.items():
            if key != "params":
                assert g_theirs[key] == value, key


@pytest.mark.parametrize("name", list(OURS))
@settings(max_examples=3, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(dtypes))
def test_trajectory_matches_torch_foreach_too(
    name: str, dtype: torch.dtype, data: st.DataObject
) -> None:
    """torch's foreach implementation (its default on CUDA) gives the same bits on CPU."""
    setup = data.draw(setups(name, data.draw(st.integers(0, len(FLAGS[name]) - 1))))
    problem = Problem(setup["seed"], dtype, setup["kind"])
    ours_p, torch_p = problem.params(), problem.params()
    ours = build(OURS[name], ours_p, setup)
    theirs = TORCH[name](groups(torch_p, setup["hypers"]), foreach=True, **setup["ctor"])
    run(problem, ours_p, ours, range(STEPS), setup["no_grad"])
    run(problem, torch_p, theirs, range(STEPS), setup["no_grad"])
    assert_same_params(ours_p, torch_p)
    assert_same_state(ours, theirs)


ADAPTIVE = [name for name in OURS if name != "SGD"]  # SGD always loops, as torch's CPU default


@pytest.mark.parametrize("name", ADAPTIVE)
@settings(max_examples=3, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(dtypes))
def test_per_tensor_path_equals_foreach_path_and_torch(
    name: str, dtype: torch.dtype, data: st.DataObject
) -> None:
    """foreach=False (one tensor at a time) = the default torch._foreach_* path = torch.optim."""
    setup = data.draw(setups(name, data.draw(st.integers(0, len(FLAGS[name]) - 1))))
    problem = Problem(setup["seed"], dtype, setup["kind"])
    loop_p, multi_p, torch_p = problem.params(), problem.params(), problem.params()
    loop = OURS[name](groups(loop_p, setup["hypers"]), foreach=False, **setup["ctor"])
    multi = build(OURS[name], multi_p, setup)
    theirs = build(TORCH[name], torch_p, setup)
    assert [g["foreach"] for g in loop.param_groups] == [False, False]
    for step in range(STEPS):
        for params, opt in ((loop_p, loop), (multi_p, multi), (torch_p, theirs)):
            run(problem, params, opt, range(step, step + 1), setup["no_grad"])
        assert_same_params(loop_p, multi_p)
        assert_same_params(loop_p, torch_p)
    assert_same_state(loop, multi)
    assert_same_state(loop, theirs)


@pytest.mark.parametrize("name", ADAPTIVE)
def test_foreach_must_be_a_bool_or_none(name: str) -> None:
    w = nn.Parameter(torch.ones(2))
    with raises_naming(TypeError, "foreach"):
        OURS[name]([w], foreach="yes")


@pytest.mark.parametrize("direction", ["ours->ours", "ours->torch", "torch->ours"])
@pytest.mark.parametrize("name", list(OURS))
@settings(max_examples=4, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(dtypes))
def test_state_dict_round_trip_mid_run(
    name: str, direction: str, dtype: torch.dtype, data: st.DataObject
) -> None:
    """Save mid-run, load into a freshly built optimizer, continue: the same trajectory."""
    setup = data.draw(setups(name, data.draw(st.integers(0, len(FLAGS[name]) - 1))))
    problem = Problem(setup["seed"], dtype, setup["kind"])
    src_cls = TORCH[name] if direction == "torch->ours" else OURS[name]
    dst_cls = TORCH[name] if direction == "ours->torch" else OURS[name]
    params = problem.params()
    opt = build(src_cls, params, setup)
    saved: dict[str, Any] = {}

    def save(step: int) -> None:
        if step == setup["save_at"] - 1:
            # deep copies: what torch.save/torch.load would give (load_state_dict may alias)
            saved["params"] = [p.detach().clone() for p in params]
            saved["state"] = copy.deepcopy(opt.state_dict())

    run(problem, params, opt, range(STEPS), setup["no_grad"], save)
    resumed = [nn.Parameter(t) for t in saved["params"]]
    fresh = build(dst_cls, resumed, setup)
    fresh.load_state_dict(saved["state"])
    run(problem, resumed, fresh, range(setup["save_at"], STEPS), setup["no_grad"])
    assert_same_params(resumed, params)
    assert_same_state(fresh, opt)


@pytest.mark.parametrize("name", list(OURS))
def test_state_keys_created_exactly_when_torch_creates_them(name: str) -> None:
    """Hand-picked flags: no momentum_buffer at momentum 0, grad_avg only when centered, ..."""
    flags = {
        "SGD": ({"momentum": 0.0}, {"momentum": 0.9}),
        "Adagrad": ({}, {"lr_decay": 0.1}),
        "RMSprop": ({"momentum": 0.0, "centered": False}, {"momentum": 0.5, "centered": True}),
        "Adam": ({"amsgrad": False}, {"amsgrad": True}),
        "AdamW": ({"amsgrad": False}, {"amsgrad": True}),
    }[name]
    expected = {
        "SGD": (set(), {"momentum_buffer"}),
        "Adagrad": ({"step", "sum"}, {"step", "sum"}),
        "RMSprop": ({"step", "square_avg"}, {"step", "square_avg", "momentum_buffer", "grad_avg"}),
        "Adam": (
            {"step", "exp_avg", "exp_avg_sq"},
            {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
        ),
        "AdamW": (
            {"step", "exp_avg", "exp_avg_sq"},
            {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
        ),
    }[name]
    for hyper, keys in zip(flags, expected, strict=True):
        w, unused = nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(2))
        opt = OURS[name]([w, unused], **hyper)
        (w**2).sum().backward()
        opt.step()
        opt.step()
        assert set(opt.state.get(w, {})) == keys
        # a parameter that never had a gradient: no state, except Adagrad's from construction
        assert set(opt.state.get(unused, {})) == ({"step", "sum"} if name == "Adagrad" else set())
        if "step" in keys:  # per-parameter counts, as torch stores them: a 0-d float32 tensor
            step = opt.state[w]["step"]
            assert torch.is_tensor(step) and step.dtype == torch.float32 and step.item() == 2.0
            if name == "Adagrad":
                assert opt.state[unused]["step"].item() == 0.0


def test_step_counts_are_per_parameter() -> None:
    """A parameter whose grad was None on a step is not counted, and its state is untouched."""
    a, b = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    opt = Adam([a, b], lr=0.1)
    for step in range(5):
        opt.zero_grad()
        ((a - 3) ** 2).sum().backward()
        if step % 2 == 0:
            ((b + 1) ** 2).sum().backward()
            saved = None
        else:
            saved = {k: v.clone() for k, v in opt.state[b].items()}
        opt.step()
        if saved is not None:
            assert all(torch.equal(saved[k], opt.state[b][k]) for k in saved)
    assert opt.state[a]["step"].item() == 5 and opt.state[b]["step"].item() == 3


def test_closure_returns_loss() -> None:
    w = nn.Parameter(torch.tensor([2.0]))
    opt = SGD([w], lr=0.25)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    assert w.item() == 1.0  # 2 − 0.25 · 4


INVALID: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"momentum": -0.5}),
    ("SGD", {"weight_decay": -1e-4}),
    ("SGD", {"nesterov": True}),  # no momentum
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adagrad", {"lr": -1.0}),
    ("Adagrad", {"lr_decay": -0.1}),
    ("Adagrad", {"weight_decay": -0.1}),
    ("Adagrad", {"initial_accumulator_value": -0.1}),
    ("Adagrad", {"eps": -1e-10}),
    ("RMSprop", {"lr": -1.0}),
    ("RMSprop", {"alpha": -0.1}),
    ("RMSprop", {"eps": -1e-8}),
    ("RMSprop", {"weight_decay": -0.1}),
    ("RMSprop", {"momentum": -0.1}),
    ("Adam", {"lr": -1e-3}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (-0.1, 0.999)}),
    ("Adam", {"betas": (0.9, 1.0)}),
    ("Adam", {"betas": (0.9, -0.5)}),
    ("Adam", {"weight_decay": -0.1}),
    ("AdamW", {"lr": -1e-3}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("AdamW", {"weight_decay": -0.1}),
]


@pytest.mark.parametrize(("name", "kwargs"), INVALID, ids=lambda v: str(v))
def test_invalid_hyperparameters_raise_value_error_like_torch(
    name: str, kwargs: dict[str, Any]
) -> None:
    """The same ValueError as torch, naming the argument; also when given in a param group."""
    with pytest.raises(ValueError):
        TORCH[name]([nn.Parameter(torch.ones(1))], **kwargs)
    # nesterov=True is refused for what it needs: a momentum and no dampening
    names = ("momentum", "dampening") if "nesterov" in kwargs else tuple(kwargs)
    with raises_naming(ValueError, *names):
        OURS[name]([nn.Parameter(torch.ones(1))], **kwargs)
    with raises_naming(ValueError, *names):
        OURS[name]([{"params": [nn.Parameter(torch.ones(1))], **kwargs}])


def test_wrong_types_raise_type_error() -> None:
    with raises_naming(TypeError, "lr"):
        SGD([nn.Parameter(torch.ones(1))], lr="0.1")  # type: ignore[arg-type]
    with raises_naming(ValueError, "betas", "(beta1, beta2)"):
        Adam([nn.Parameter(torch.ones(1))], betas=(0.9,))  # type: ignore[arg-type]
    w = nn.Parameter(torch.ones(3))
    w.grad = torch.ones(3).to_sparse()
    with raises_naming(TypeError, "dense"):
        SGD([w]).step()


# ----------------------------------------------------------------------------- schedulers

SCHEDULERS = ["StepLR", "ExponentialLR", "LinearLR", "CosineAnnealingLR"]
OURS_SCHED = {
    "StepLR": StepLR,
    "ExponentialLR": ExponentialLR,
    "LinearLR": LinearLR,
    "CosineAnnealingLR": CosineAnnealingLR,
}


@st.composite
def sched_kwargs(draw: st.DrawFn, name: str) -> dict[str, Any]:
    if name == "StepLR":
        return {"step_size": draw(st.integers(1, 12)), "gamma": draw(st.floats(0.05, 0.99))}
    if name == "ExponentialLR":
        return {"gamma": draw(st.floats(0.5, 0.999))}
    if name == "LinearLR":
        return {
            "start_factor": draw(st.floats(0.01, 1.0)),
            "end_factor": draw(st.floats(0.0, 1.0)),
            "total_iters": draw(st.integers(1, 30)),
        }
    return {"T_max": draw(st.integers(1, 20)), "eta_min": draw(st.sampled_from([0.0, 1e-4]))}


def three_groups(opt_cls: type, lrs: list[float]) -> torch.optim.Optimizer:
    return opt_cls([{"params": [nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs])


def lr_sequence(opt: torch.optim.Optimizer, sched: Any, steps: int = 50) -> list[list[float]]:
    """get_last_lr() before each of ``steps`` (optimizer step, scheduler step) pairs."""
    out = []
    for _ in range(steps):
        out.append(list(sched.get_last_lr()))
        assert out[-1] == [g["lr"] for g in opt.param_groups]
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("name", SCHEDULERS)
@settings(max_examples=15, deadline=None)
@given(data=st.data(), lrs=st.lists(st.floats(1e-3, 1.0), min_size=3, max_size=3))
def test_schedulers_match_torch(name: str, data: st.DataObject, lrs: list[float]) -> None:
    """50 steps, three param groups: exactly torch's floats, with our optimizer and torch's."""
    kwargs = data.draw(sched_kwargs(name))
    expected = lr_sequence(
        opt := three_groups(torch.optim.SGD, lrs), getattr(torch_sched, name)(opt, **kwargs)
    )
    for opt_cls in (SGD, torch.optim.SGD):
        opt = three_groups(opt_cls, lrs)
        assert lr_sequence(opt, OURS_SCHED[name](opt, **kwargs)) == expected


@settings(max_examples=15, deadline=None)
@given(
    lrs=st.lists(st.floats(1e-3, 1.0), min_size=2, max_size=2),
    warmup=st.integers(1, 10),
    t_max=st.integers(1, 30),
    start=st.floats(0.01, 1.0),
)
def test_warmup_then_cosine_with_torch_sequential_lr(
    lrs: list[float], warmup: int, t_max: int, start: float
) -> None:
    """Our LinearLR then CosineAnnealingLR inside torch's SequentialLR: torch's sequence."""

    def chain(opt: torch.optim.Optimizer, linear: type, cosine: type) -> Any:
        first = linear(opt, start_factor=start, total_iters=warmup)
        second = cosine(opt, T_max=t_max)
        return torch_sched.SequentialLR(opt, [first, second], milestones=[warmup])

    torch_opt = three_groups(torch.optim.SGD, lrs)
    expected = lr_sequence(
        torch_opt, chain(torch_opt, torch_sched.LinearLR, torch_sched.CosineAnnealingLR)
    )
    ours = three_groups(SGD, lrs)
    assert lr_sequence(ours, chain(ours, LinearLR, CosineAnnealingLR)) == expected


def test_cosine_is_periodic_past_t_max() -> None:
    opt = three_groups(SGD, [1.0])
    seq = [lrs[0] for lrs in lr_sequence(opt, CosineAnnealingLR(opt, T_max=5), steps=21)]
    assert seq[5] == pytest.approx(0.0, abs=1e-12)  # bottom at T_max
    assert seq[10] == pytest.approx(1.0)  # back up at 2 T_max
    assert seq[15] == pytest.approx(0.0, abs=1e-12) and seq[20] == pytest.approx(1.0)


def test_scheduler_state_dict_resumes() -> None:
    """A scheduler saved mid-run and loaded into a fresh one continues torch's sequence."""
    opt = three_groups(SGD, [0.5, 0.1])
    sched = CosineAnnealingLR(opt, T_max=7)
    lr_sequence(opt, sched, steps=4)
    state = copy.deepcopy(sched.state_dict())
    rest = lr_sequence(opt, sched, steps=10)
    opt2 = three_groups(SGD, [0.5, 0.1])
    sched2 = CosineAnnealingLR(opt2, T_max=7)
    sched2.load_state_dict(state)
    for group, lr in zip(opt2.param_groups, state["_last_lr"], strict=True):
        group["lr"] = lr
    assert lr_sequence(opt2, sched2, steps=10) == rest


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (StepLR, {"step_size": 0}),
        (LinearLR, {"start_factor": 0.0}),
        (LinearLR, {"start_factor": 1.5}),
        (LinearLR, {"end_factor": -0.1}),
        (LinearLR, {"end_factor": 1.1}),
        (LinearLR, {"total_iters": 0}),
        (CosineAnnealingLR, {"T_max": 0}),
    ],
)
def test_scheduler_value_errors(cls: type, kwargs: dict[str, Any]) -> None:
    with raises_naming(ValueError, *kwargs):
        cls(three_groups(SGD, [0.1]), **kwargs)


# ----------------------------------------------------------------------------- early stopping


@pytest.mark.parametrize(
    ("values", "kwargs", "stops", "best", "best_epoch"),
    [
        # min mode, patience 2: the wiggle at 0.9 does not stop it; two non-improvements do
        ([1.0, 0.8, 0.9, 0.7, 0.75, 0.71], {"patience": 2}, [0, 0, 0, 0, 0, 1], 0.7, 3),
        # equal is not better; patience 1 stops at the first non-improvement
        ([1.0, 1.0], {"patience": 1}, [0, 1], 1.0, 0),
        # min_delta: 0.95 is not better than 1.0 by more than 0.1, 0.85 is
        ([1.0, 0.95, 0.85, 0.8], {"patience": 3, "min_delta": 0.1}, [0, 0, 0, 0], 0.85, 2),
        ([1.0, 0.95, 0.92, 0.91], {"patience": 3, "min_delta": 0.1}, [0, 0, 0, 1], 1.0, 0),
        # max mode (accuracy); stays True while nothing improves
        ([0.5, 0.6, 0.6, 0.55, 0.59], {"patience": 2, "mode": "max"}, [0, 0, 0, 1, 1], 0.6, 1),
        # an improvement resets the count; NaN never improves
        ([3.0, 4.0, 2.0, math.nan, 5.0, 1.0], {"patience": 3}, [0, 0, 0, 0, 0, 0], 1.0, 5),
        (
            [0.5, 0.6, 0.7, 0.8],
            {"patience": 1, "mode": "max", "min_delta": 0.15},
            [0, 1, 0, 1],
            0.7,
            2,
        ),
    ],
)
def test_early_stopping_sequences(
    values: list[float],
    kwargs: dict[str, Any],
    stops: list[int],
    best: float,
    best_epoch: int,
) -> None:
    stopper = EarlyStopping(**kwargs)
    assert [stopper.step(v) for v in values] == [bool(s) for s in stops]
    assert (stopper.best, stopper.best_epoch) == (best, best_epoch)


def test_early_stopping_restores_a_copy_of_the_best_weights_and_buffers() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    stopper = EarlyStopping(patience=2)
    snapshots = {}
    for epoch, loss in enumerate([1.0, 0.5, 0.7, 0.8]):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)  # "training" changes the weights in place
        model[1].running_mean.add_(1.0)
        snapshots[epoch] = copy.deepcopy(model.state_dict())
        stopper.step(torch.tensor(loss), model=model)
    assert stopper.best_epoch == 1
    stopper.restore(model)
    for key, value in model.state_dict().items():
        assert torch.equal(value, snapshots[1][key]), key
    # what restore loaded is a copy: training on does not change the kept weights
    with torch.no_grad():
        model[0].weight.add_(5.0)
    assert torch.equal(stopper.best_state["0.weight"], snapshots[1]["0.weight"])


def test_early_stopping_errors() -> None:
    with raises_naming(ValueError, "patience"):
        EarlyStopping(patience=0)
    with raises_naming(ValueError, "min_delta"):
        EarlyStopping(min_delta=-0.1)
    with raises_naming(ValueError, "mode", "'min'", "'max'"):
        EarlyStopping(mode="lowest")
    with raises_naming(ValueError, "model", "step"):  # restore() needs step(model=...) first
        EarlyStopping().restore(nn.Linear(1, 1))
    with raises_naming(ValueError, "value"):
        EarlyStopping().step(torch.ones(2))


# ----------------------------------------------------------------------------- data order


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=st.integers(1, 60), batch_size=st.integers(1, 16))
def test_reshuffle_gives_a_new_permutation_every_epoch(seed: int, n: int, batch_size: int) -> None:
    x = torch.arange(n, dtype=torch.float32).unsqueeze(1)  # (N, 1): x holds its own index
    y = torch.arange(n) % 3
    g = torch.Generator().manual_seed(seed)
    epochs = []
    for _ in range(3):
        batches = list(minibatches(x, y, batch_size, "reshuffle", generator=g))
        assert all(len(xb) == batch_size for xb, _ in batches[:-1])
        seen = torch.cat([xb[:, 0] for xb, _ in batches]).long()
        assert sorted(seen.tolist()) == list(range(n))  # each example exactly once
        assert torch.equal(torch.cat([yb for _, yb in batches]), y[seen])  # pairs kept
        epochs.append(seen.tolist())
    if n >= 8:  # 1/8! chance for two equal random orders: not a flaky assert
        assert epochs[0] != epochs[1] or epochs[1] != epochs[2]
    # the same seed gives the same orders
    g2 = torch.Generator().manual_seed(seed)
    again = [epoch_indices(y, "reshuffle", g2).tolist() for _ in range(3)]
    assert again == epochs


def test_sorted_order_is_stable_and_class_sorted() -> None:
    y = torch.tensor([2, 0, 1, 0, 2, 1, 1])
    for _ in range(2):  # the same order every epoch
        idx = epoch_indices(y, "sorted")
        assert idx.tolist() == [1, 3, 2, 5, 6, 0, 4]
    x = torch.arange(7.0).unsqueeze(1)
    batches = list(minibatches(x, y, 3, "sorted", drop_last=True))
    assert [yb.tolist() for _, yb in batches] == [[0, 0, 1], [1, 1, 2]]


def test_replacement_sampling_distribution() -> None:
    """N uniform draws per epoch: counts ~ Binomial(N, 1/N); about 1/e of examples missed."""
    n, epochs = 200, 50
    g = torch.Generator().manual_seed(0)
    y = torch.zeros(n, dtype=torch.long)
    counts = torch.zeros(n)
    missed = []
    for _ in range(epochs):
        idx = epoch_indices(y, "replacement", g)
        assert idx.shape == (n,) and idx.min() >= 0 and idx.max() < n
        c = torch.bincount(idx, minlength=n).float()
        counts += c
        missed.append((c == 0).float().mean().item())
    # each example's total count ~ Binomial(10,000, 1/200): mean 50, sd ≈ 7.05
    assert counts.sum() == n * epochs
    assert abs(counts.mean().item() - 50) < 1e-9 and 5.0 < counts.std().item() < 9.0
    # the fraction of examples never drawn in an epoch is (1 − 1/N)^N ≈ 0.367 (sd ≈ 0.034/√50)
    assert abs(sum(missed) / epochs - (1 - 1 / n) ** n) < 0.02


def test_data_order_errors() -> None:
    y = torch.zeros(4, dtype=torch.long)
    with raises_naming(ValueError, "order", "'reshuffle'", "'sorted'", "'replacement'"):
        epoch_indices(y, "random")
    with raises_naming(ValueError, "labels", "(N,)"):
        epoch_indices(torch.zeros(4, 2, dtype=torch.long), "sorted")
    with raises_naming(ValueError, "x", "y"):
        list(minibatches(torch.zeros(3, 1), y, 2))
    with raises_naming(ValueError, "batch_size"):
        list(minibatches(torch.zeros(4, 1), y, 0))
    with raises_naming(TypeError, "labels", "torch.Tensor"):
        epoch_indices([0, 1], "sorted")  # type: ignore[arg-type]
