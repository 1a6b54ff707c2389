"""The shared experiment kit: model builders, the training loop, accuracy, summaries and sweeps."""

from __future__ import annotations

import math

import pytest
import torch
from dlerrors import raises_naming
from torch import nn

pytest.importorskip("sklearn")

from dlnotes.experiments import seeded
from dlnotes.experiments.data import batches
from dlnotes.experiments.training import (
    accuracy,
    he_init_,
    make_cnn,
    make_mlp,
    summarize,
    sweep,
    train,
)

# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
def test_mlp_blocks_and_biases(norm: str) -> None:
    net = make_mlp(4, width=16, norm=norm)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (64, 16),
        (16, 16),
        (16, 16),
        (16, 10),
    ]
    # a linear layer before a norm has no bias (β absorbs it); the output layer keeps its bias
    assert all((m.bias is None) == (norm != "none") for m in linears[:-1])
    assert linears[-1].bias is not None
    assert sum(isinstance(m, (nn.BatchNorm1d, nn.LayerNorm)) for m in net) == (
        3 if norm != "none" else 0
    )
    assert make_mlp(1)[0].in_features == 64 and len(make_mlp(1)) == 1


def test_he_init_keeps_the_variance_of_a_deep_relu_stack() -> None:
    torch.manual_seed(0)
    net = make_mlp(10, width=256)
    x = torch.randn(512, 64)
    hidden = net[:-1](x)  # after the last ReLU
    # He init: E[h²] stays ≈ E[x²] = 1 through the ReLU layers (PyTorch's default shrinks it)
    assert 0.5 < hidden.pow(2).mean().item() < 2.0
    conv = he_init_(nn.Conv2d(8, 16, 3))
    assert conv.bias is not None and torch.equal(conv.bias, torch.zeros(16))


@pytest.mark.parametrize("norm", ["none", "batch", "layer", "group", "instance"])
@pytest.mark.parametrize("pool", ["max", "avg", "none"])
def test_cnn_takes_flat_digits_for_every_norm_and_pool(norm: str, pool: str) -> None:
    net = make_cnn((4, 8), norm=norm, pool=pool)
    assert tuple(net(torch.randn(3, 64)).shape) == (3, 10)
    side = 2 if pool != "none" else 8
    assert net[-1].in_features == 8 * side * side
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    assert all((m.bias is None) == (norm != "none") for m in convs)


def test_cnn_other_image_sizes_and_channels() -> None:
    net = make_cnn((6,), image_size=16, in_channels=3, out_features=4, kernel_size=5)
    assert tuple(net(torch.randn(2, 3 * 16 * 16)).shape) == (2, 4)


def test_builders_reject_bad_arguments() -> None:
    with raises_naming(ValueError, "norm"):
        make_mlp(3, norm="group")
    with raises_naming(TypeError, "depth"):
        make_mlp("3")  # type: ignore[arg-type]
    with raises_naming(ValueError, "depth"):
        make_mlp(0)
    with raises_naming(ValueError, "kernel_size"):
        make_cnn(kernel_size=4)
    with raises_naming(ValueError, "pool"):
        make_cnn(pool="lp")
    with raises_naming(ValueError, "norm"):
        make_cnn(norm="weight")
    with raises_naming(ValueError, "pooling", "8×8"):
        make_cnn((4, 4, 4, 4))


# --------------------------------------------------------------------------------------------
# accuracy
# --------------------------------------------------------------------------------------------


def test_accuracy_in_eval_mode_restores_the_mode() -> None:
    net = nn.Sequential(nn.BatchNorm1d(2))
    net.train()
    x, y = torch.tensor([[5.0, 0.0], [0.0, 5.0]]), torch.tensor([0, 1])
    assert accuracy(net, x, y) == 1.0  # running stats (0, 1): the larger input wins
    assert net.training
    net.eval()
    accuracy(net, x, y)
    assert not net.training


def test_accuracy_with_batch_stats_leaves_running_statistics_alone() -> None:
    net = nn.BatchNorm1d(1)
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    # one logit column, so argmax is always 0: checks the bookkeeping, not the model
    y = torch.zeros(4, dtype=torch.long)
    assert accuracy(net, x, y, batch_stats=True, batch_size=2) == 1.0
    assert net.num_batches_tracked.item() == 0 and torch.equal(net.running_mean, torch.zeros(1))
    # a short last batch is dropped: 3 of 4 examples are counted in batches of 3
    assert accuracy(net, x, torch.tensor([0, 0, 0, 1]), batch_stats=True, batch_size=3) == 1.0
    with raises_naming(ValueError, "batch_size"):
        accuracy(net, x, y, batch_stats=True, batch_size=5)


def test_batch_stats_accuracy_depends_on_the_batch() -> None:
    """Two classes told apart only relative to the batch: eval mode cannot, batch stats can."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.BatchNorm1d(1), nn.Linear(1, 2))
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor([[-1.0], [1.0]]))
        net[1].bias.zero_()
        net[0].running_mean.fill_(100.0)
    x = torch.tensor([[10.0], [11.0]] * 4)
    y = torch.tensor([0, 1] * 4)
    assert accuracy(net, x, y) == 0.5
    assert accuracy(net, x, y, batch_stats=True, batch_size=2) == 1.0


# --------------------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------------------


def _data(n: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 64, generator=g), torch.arange(n) % 10


def test_train_is_deterministic_under_seeded() -> None:
    x, y = _data()
    logs, weights = [], []
    for _ in range(2):
        with seeded(3) as g:
            net = make_mlp(3, width=16, norm="batch")
            logs.append(train(net, x, y, lr=0.05, batch_size=8, epochs=3, generator=g))
            weights.append(net[0].weight.clone())
    assert logs[0] == logs[1] and torch.equal(weights[0], weights[1])
    assert logs[0]["steps"] == 15 and logs[0]["examples"] == 120 and not logs[0]["diverged"]


def test_train_reports_loss_and_accuracy_of_its_own_batches_in_train_mode() -> None:
    """With lr = 0 nothing changes, so the window equals a manual pass over the same batches."""
    x, y = _data()
    with seeded(0) as g:
        net = make_mlp(2, width=8, norm="batch")
        log = train(net, x, y, lr=0.0, batch_size=4, epochs=1, generator=g, window=3)
    with seeded(0) as g:
        make_mlp(2, width=8, norm="batch")  # consume the same global RNG draws
        chunks = list(batches(x, y, 4, g))[-3:]
    net.train()
    with torch.no_grad():
        losses = [nn.functional.cross_entropy(net(xb), yb).item() for xb, yb in chunks]
        hits = [(net(xb).argmax(1) == yb).float().mean().item() for xb, yb in chunks]
    assert log["loss"] == pytest.approx(sum(losses) / 3, rel=1e-5)
    assert log["acc"] == pytest.approx(sum(hits) / 3)


def test_train_stops_and_reports_divergence() -> None:
    x, y = _data()
    with seeded(0) as g:
        log = train(make_mlp(6), x * 1e4, y, lr=100.0, batch_size=8, steps=50, generator=g)
    assert log["diverged"] and log["loss"] is None and log["acc"] is None
    assert 1 <= log["steps"] < 50


def test_train_accepts_any_optimizer_and_module() -> None:
    x, y = _data()
    with seeded(0) as g:
        net = make_cnn((4,), norm="group")
        before = train(
            net,
            x,
            y,
            batch_size=8,
            steps=1,
            generator=g,
            optimizer=lambda p: torch.optim.Adam(p, 1e-2),
        )
        after = train(
            net,
            x,
            y,
            batch_size=8,
            steps=60,
            generator=g,
            optimizer=lambda p: torch.optim.Adam(p, 1e-2),
        )
    assert after["loss"] < before["loss"] / 2


def test_train_clips_the_global_gradient_norm_for_sgd_and_any_optimizer() -> None:
    """One plain-SGD step moves the parameters by exactly η·τ when ‖g‖ > τ (the clipped
    gradient has norm τ); with an optimizer, the gradient it sees has norm ≤ τ."""
    x, y = _data()
    with seeded(0) as g:
        net = make_mlp(2, width=8)
        before = torch.cat([p.detach().flatten().clone() for p in net.parameters()])
        train(net, x * 100, y, lr=0.1, batch_size=8, steps=1, generator=g, max_grad_norm=1e-3)
        after = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert math.isclose((after - before).norm().item(), 0.1 * 1e-3, rel_tol=1e-3)
    seen: list[float] = []

    class Spy(torch.optim.SGD):
        def step(self, closure=None):  # type: ignore[override]
            grads = [p.grad.flatten() for group in self.param_groups for p in group["params"]]
            seen.append(torch.cat(grads).norm().item())
            return super().step(closure)

    with seeded(0) as g:
        train(
            make_mlp(2, width=8),
            x * 100,
            y,
            batch_size=8,
            steps=3,
            generator=g,
            optimizer=lambda p: Spy(p, lr=0.1),
            max_grad_norm=0.5,
        )
    assert len(seen) == 3 and all(n <= 0.5 * (1 + 1e-5) for n in seen)


def test_train_rejects_inconsistent_arguments() -> None:
    x, y = _data()
    g = torch.Generator()
    net = make_mlp(2)
    with raises_naming(ValueError, "epochs", "steps"):
        train(net, x, y, lr=0.1, batch_size=4, generator=g)
    with raises_naming(ValueError, "epochs", "steps"):
        train(net, x, y, lr=0.1, batch_size=4, epochs=1, steps=1, generator=g)
    with raises_naming(ValueError, "lr"):
        train(net, x, y, batch_size=4, epochs=1, generator=g)
    with raises_naming(ValueError, "batch_size"):
        train(net, x, y, lr=0.1, batch_size=41, epochs=1, generator=g)
    with raises_naming(TypeError, "batch_size"):
        train(net, x, y, lr=0.1, batch_size=4.0, epochs=1, generator=g)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# summarize and sweep
# --------------------------------------------------------------------------------------------


def test_summarize_never_averages_over_survivors() -> None:
    s = summarize([[0.2, 0.4, 0.9], [0.1, None, 0.9], [None, None, None], [0.5]])
    assert s["mean"][0] == pytest.approx(0.5) and s["std"][0] == pytest.approx(math.sqrt(0.13))
    assert (s["min"][0], s["max"][0]) == (0.2, 0.9)
    assert s["mean"][1:3] == [None, None] and s["min"][1:3] == [None, None]
    assert s["diverged"] == [0, 1, 3, 0]
    assert s["std"][3] == 0.0 and s["per_seed"][1] == [0.1, None, 0.9]


def test_sweep_runs_every_combination_seeded_and_counts_divergence() -> None:
    calls = []

    def run(variant: str, setting: float, generator: torch.Generator) -> dict[str, float | None]:
        draw = torch.rand(1).item()  # the global RNG, reseeded per (variant, setting, seed)
        calls.append((variant, setting, draw, torch.get_num_threads()))
        score = math.nan if setting > 1 else setting + draw
        return {"score": score, "draw": draw}

    result = sweep(run, ["a", "b"], [0.5, 2.0], seeds=[7, 8])
    assert len(calls) == 8 and {c[3] for c in calls} == {1}
    draws = result["variants"]["a"]["draw"]["per_seed"]
    # the same seed gives the same draws for every setting and variant
    assert draws[0] == draws[1] == result["variants"]["b"]["draw"]["per_seed"][0]
    assert draws[0][0] != draws[0][1]
    score = result["variants"]["b"]["score"]
    assert score["diverged"] == [0, 2] and score["mean"][1] is None  # NaN counts as diverged
    assert score["per_seed"][1] == [None, None]
    assert result["settings"] == [0.5, 2.0] and result["seeds"] == [7, 8]


# --------------------------------------------------------------------------------------------
# Figure discovery
# --------------------------------------------------------------------------------------------


def test_figures_finds_every_modules_figures_with_their_module() -> None:
    import importlib

    from dlnotes.experiments import figures

    found = figures()
    for name, (module, run, plot) in found.items():
        declared = importlib.import_module(f"dlnotes.experiments.{module}").FIGURES
        assert declared[name] == (run, plot)
    modules = {module for module, _run, _plot in found.values()}
    assert modules == {"batch_norm", "conv_pool", "resnet", "lstm_gru", "sgd"}


def test_figures_rejects_a_name_declared_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    import dlnotes.experiments.sgd as sgd
    from dlnotes.experiments import figures

    taken = next(name for name, (module, _r, _p) in figures().items() if module != "sgd")
    monkeypatch.setitem(sgd.FIGURES, taken, next(iter(sgd.FIGURES.values())))
    with pytest.raises(ValueError, match=repr(taken)):
        figures()


def _experiment(n: int = 2) -> dict:
    return {"n": n}


def test_cached_stores_a_result_under_its_cache_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from dlnotes.experiments import cache_file, cached

    monkeypatch.setenv("DLNOTES_CACHE", str(tmp_path))
    assert cached(_experiment, n=3) == {"n": 3}
    assert [p.name for p in tmp_path.iterdir()] == [cache_file(_experiment, {"n": 3})]
    assert cache_file(_experiment, {"n": 3}) != cache_file(_experiment, {"n": 4})
    (tmp_path / cache_file(_experiment, {"n": 3})).write_text('{"n": "stored"}')
    assert cached(_experiment, n=3) == {"n": "stored"}  # read back, not recomputed
