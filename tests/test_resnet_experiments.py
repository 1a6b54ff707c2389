"""The ResNet experiments: the claims the captions and the text of the page make.

Each experiment runs once with exactly the default configuration its figure uses; the tests
assert what the page states, as orderings and bounds with margins, never exact numbers (exact
values only where the claim is an identity, e.g. a zero-γ block on non-negative input). The
measured values are in the comments.
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from dlerrors import raises_naming
from torch import nn

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

import experiment_results
from matplotlib.figure import Figure

from dlnotes.experiments import resnet as rx
from dlnotes.experiments.data import batches, load_digits_split
from dlnotes.experiments.resnet import gradient_norms, plain_net, residual_net
from dlnotes.resnet import BasicBlock, ResNet, ZeroPadShortcut


def degradation() -> dict:
    return experiment_results.result("resnet-degradation")


def gradients() -> dict:
    return experiment_results.result("resnet-gradients")


def zero_gamma() -> dict:
    return experiment_results.result("resnet-zero-gamma")


def best(variant: str) -> dict:
    return degradation()["variants"][variant]["best"]


# ------------------------------------------------------------------------------ building blocks


def test_mlp_twins_differ_only_in_the_addition() -> None:
    torch.manual_seed(0)
    plain = rx.mlp_net(10, residual=False)
    torch.manual_seed(0)
    res = rx.mlp_net(10, residual=True)
    assert [k for k in plain.state_dict()] == [k for k in res.state_dict()]
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), res.parameters(), strict=True))
    assert sum(isinstance(m, torch.nn.Linear) for m in res.modules()) == 10
    x = torch.randn(16, 64)
    assert not torch.allclose(plain(x), res(x))
    with raises_naming(ValueError, "depth"):
        rx.mlp_net(5, residual=True)


def test_mlp_block_is_the_basic_block_with_linear_layers() -> None:
    """Same equations as dlnotes.resnet.BasicBlock: a 1×1 input makes its 3×3 convs linear maps."""
    torch.manual_seed(0)
    conv_block = BasicBlock(4, 4).train()
    mlp_block = rx.MLPBlock(4, residual=True).train()
    with torch.no_grad():
        mlp_block.fc1.weight.copy_(conv_block.conv1.weight[:, :, 1, 1])
        mlp_block.fc2.weight.copy_(conv_block.conv2.weight[:, :, 1, 1])
    x = torch.randn(8, 4)
    torch.testing.assert_close(mlp_block(x), conv_block(x.view(8, 4, 1, 1)).view(8, 4))


# ------------------------------------------------------------------ figure resnet-degradation


def test_stacked_nets_train_exactly_like_separate_nets_with_torch_sgd() -> None:
    """One StackedMLPNets step = torch.optim.SGD(momentum) on each mlp_net, same batches."""
    x, y, _, _ = load_digits_split()
    x, y = x[:256], y[:256]
    lrs, steps, warmup, milestones = [0.1, 0.3], 6, 2, (0.5,)
    nets = []
    for residual in (False, True):
        torch.manual_seed(3)
        nets.append(rx.mlp_net(6, residual=residual))
    stacked = rx.StackedMLPNets(nets, [False, True])
    g = torch.Generator().manual_seed(5)
    log = rx.train_stacked(
        stacked,
        x,
        y,
        [g, g],
        lrs,
        steps=steps,
        batch_size=64,
        warmup=warmup,
        milestones=milestones,
        window=1,
        record_every=1,
    )
    for m, (net, lr) in enumerate(zip(nets, lrs, strict=True)):
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda t: rx.lr_factor(t, steps, warmup, milestones)
        )
        gen = torch.Generator().manual_seed(5)
        losses = []
        while len(losses) < steps:
            for xb, yb in batches(x, y, 64, gen):
                loss = torch.nn.functional.cross_entropy(net(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                losses.append(loss.item())
                if len(losses) == steps:
                    break
        curve = log["curve"][m]
        assert curve == pytest.approx(losses, rel=1e-4, abs=1e-5), m
        assert log["loss"][m] == pytest.approx(losses[-1], rel=1e-4)
    # a diverged model is reported as such and leaves the other one untouched
    with torch.no_grad():
        stacked.stem[0].fill_(float("nan"))
    again = rx.train_stacked(
        stacked,
        x,
        y,
        [g, g],
        lrs,
        steps=2,
        batch_size=64,
        warmup=1,
        milestones=(),
        record_every=1,
    )
    assert again["loss"][0] is None and again["curve"][0] == [None, None]
    assert again["loss"][1] is not None and math.isfinite(again["loss"][1])


def test_stacked_training_rejects_mismatched_settings() -> None:
    torch.manual_seed(0)
    stacked = rx.StackedMLPNets([rx.mlp_net(4, residual=True)] * 2, [True, True])
    x, y = torch.randn(16, 64), torch.arange(16) % 10
    g = torch.Generator().manual_seed(0)
    kwargs = {"steps": 2, "batch_size": 8, "warmup": 1, "milestones": ()}
    with raises_naming(ValueError, "generators", "lrs"):
        rx.train_stacked(stacked, x, y, [g], [0.1, 0.1], **kwargs)
    with raises_naming(ValueError, "batch_size", "len(x)"):
        rx.train_stacked(stacked, x, y, [g, g], [0.1, 0.1], **{**kwargs, "batch_size": 32})
    with raises_naming(ValueError, "residual"):
        rx.StackedMLPNets([rx.mlp_net(4, residual=True)], [True, False])


def test_no_run_diverged_so_every_loss_is_a_real_end_of_training_value() -> None:
    r = degradation()
    for variant in rx.VARIANTS:
        assert r["variants"][variant]["diverged"] == [0] * len(r["depths"])
    assert r["depths"] == [4, 18, 34] and r["lrs"] == [0.03, 0.1, 0.3]
    assert len(r["seeds"]) >= 5 and r["steps"] == 300
    assert 0 < r["warmup"] < r["steps"] // 10 and r["milestones"] == [0.5, 0.75]


def test_at_the_shallowest_depth_plain_and_residual_train_alike() -> None:
    plain, res = best("plain")["loss"]["mean"][0], best("residual")["loss"]["mean"][0]
    assert abs(plain - res) < 0.01  # 0.010 vs 0.008
    assert max(best("plain")["loss"]["max"][0], best("residual")["loss"]["max"][0]) < 0.03


def test_deeper_plain_nets_end_with_a_higher_training_loss_on_every_seed() -> None:
    """The page's numbers: best-LR training loss (mean, range) and error at 18 and 34 layers."""
    plain, res = best("plain"), best("residual")
    means = plain["loss"]["mean"]  # 0.010, 0.62, 1.80
    assert all(b > 10 * a for a, b in itertools.pairwise(means[:2])) and means[2] > 2 * means[1]
    assert 0.5 < means[1] < 0.75 and 1.6 < means[2] < 2.0  # "0.62 at 18 layers, 1.80 at 34"
    assert plain["loss"]["min"][1] > 0.4 and plain["loss"]["max"][1] < 0.85  # 0.46..0.77
    assert plain["loss"]["min"][2] > 1.6 and plain["loss"]["max"][2] < 2.05  # 1.73..1.94
    errors = plain["error"]["mean"]  # 0.2 %, 20 %, 68 %
    assert errors[0] < 0.01 and 0.15 < errors[1] < 0.25 and 0.6 < errors[2] < 0.75
    r_means = res["loss"]["mean"]  # 0.008, 0.040, 0.19
    assert r_means[1] < 0.06 and 0.12 < r_means[2] < 0.26
    assert res["loss"]["min"][1] > 0.03 and res["loss"]["max"][1] < 0.05  # 0.035..0.043
    assert res["loss"]["min"][2] > 0.1 and res["loss"]["max"][2] < 0.4  # 0.12..0.32
    r_errors = res["error"]["mean"]  # 0.2 %, 1.3 %, 5.9 %
    assert r_errors[1] < 0.02 and 0.04 < r_errors[2] < 0.08
    for depth in (1, 2):  # every plain seed above every residual seed
        assert plain["loss"]["min"][depth] > 4 * res["loss"]["max"][depth]


def test_the_deepest_plain_net_learns_but_stays_far_above_the_residual_one() -> None:
    r = degradation()
    plain = best("plain")
    # below the chance loss ln 10 = 2.30 on every seed, and its error below 90 %
    assert plain["loss"]["max"][-1] < 0.9 * r["chance"]  # 1.94
    assert plain["error"]["max"][-1] < 0.8  # 77 %


def test_the_gap_holds_at_every_learning_rate_of_the_grid() -> None:
    """At 18 and 34 layers every plain run, at any learning rate, ends above every residual run."""
    r = degradation()
    for depth in (1, 2):
        plain = r["variants"]["plain"]["by_lr"]["loss"][depth]
        res = r["variants"]["residual"]["by_lr"]["loss"][depth]
        assert min(plain["min"]) > max(res["max"])  # 18: 0.46 > 0.08; 34: 1.67 > 1.34
    plain34 = r["variants"]["plain"]["by_lr"]["loss"][2]
    assert min(plain34["min"]) > 1.6  # "above 1.6 at every learning rate"
    res34 = r["variants"]["residual"]["by_lr"]["loss"][2]
    assert 1.2 < max(res34["max"]) < 1.35  # single residual runs at lr 0.1 / 0.3: "as high as 1.34"
    assert min(res34["mean"]) < 0.25 < max(res34["mean"])  # 0.19 at lr 0.03, 0.64 at 0.3


def test_the_schedule_ends_settled_but_the_18_layer_plain_net_was_still_falling() -> None:
    """Phase means of the best-LR curve: before the first decay, between, after the last."""
    p18, p34 = best("plain")["phases"][1], best("plain")["phases"][2]
    # 18 layers: 1.51, 0.67, 0.62: it was falling fast when the learning rate was cut
    assert p18[0] > 2 * p18[1] and 1.3 < p18[0] < 1.7 and 0.55 < p18[1] < 0.8
    assert abs(p18[2] - p18[1]) < 0.1
    # 34 layers: 2.07, 1.83, 1.81: it moved little after the first decay
    assert 1.9 < p34[0] < 2.2 and 1.7 < p34[1] < 1.95 and abs(p34[2] - p34[1]) < 0.05


# ------------------------------------------------------------------- figure resnet-gradients


def ratio(variant: str) -> dict:
    return gradients()["ratio"][variant]


def layers(variant: str, depth_index: int) -> list[float]:
    return gradients()["variants"][variant]["layers"][depth_index]


def test_gradient_experiment_setup() -> None:
    r = gradients()
    assert r["depths"] == [8, 20, 56] and len(r["seeds"]) >= 5 and r["batch_size"] == 64
    for variant in rx.GRAD_VARIANTS:
        assert ratio(variant)["diverged"] == [0, 0, 0]
        assert [len(x) for x in r["variants"][variant]["layers"]] == r["depths"]


def test_plain_with_bn_explodes_toward_the_input() -> None:
    means = ratio("plain_bn")["mean"]  # 1.5, 8.6, 1.9e3
    assert all(b > 3 * a for a, b in itertools.pairwise(means))
    assert 1 < means[0] < 2.5 and 5 < means[1] < 13 and 1000 < means[2] < 3000
    assert ratio("plain_bn")["min"][-1] > 300  # 824..2580 over 5 seeds
    assert layers("plain_bn", -1)[0] > 100 > 1 > layers("plain_bn", -1)[-2]  # 600 vs 0.32


def test_plain_without_bn_vanishes_everywhere() -> None:
    first = [layers("plain_nobn", i)[0] for i in range(3)]  # 0.018, 1.4e-3, 1.9e-6
    assert all(b < a / 5 for a, b in itertools.pairwise(first))
    assert 0.01 < first[0] < 0.03
    # "about 1e-6 at 56 layers": every layer's mean between 0.5 and 5 × 1e-6 (0.8..2.3e-6),
    # every seed between 1e-8 and 1e-5 (6.5e-8..6.7e-6)
    assert min(layers("plain_nobn", -1)) > 5e-7 and max(layers("plain_nobn", -1)) < 5e-6
    v = gradients()["variants"]["plain_nobn"]
    assert min(v["min"][-1]) > 1e-8 and max(v["max"][-1]) < 1e-5
    assert ratio("plain_nobn")["max"][-1] < 10  # the whole net shrinks: the ratio stays ≈ 1


def test_residual_with_bn_grows_about_linearly_not_exponentially() -> None:
    """The ratio grows with depth, but slowly: below 0.3 × depth on every seed."""
    r = gradients()
    means = ratio("residual_bn")["mean"]  # 1.6, 3.6, 9.1
    assert 1 < means[0] < 2.5 and 2 < means[1] < 6 and 6 < means[2] < 13
    assert all(b > a for a, b in itertools.pairwise(means))  # it does grow
    for depth, top in zip(r["depths"], ratio("residual_bn")["max"], strict=True):
        assert top < 0.3 * depth  # per seed at most 2.1, 4.4, 12.3: 0.26, 0.22, 0.22 × depth
    # from 20 to 56 layers (2.8× deeper): residual ×2.5, plain with BN ×220
    assert means[2] / means[1] < 1.2 * 56 / 20
    plain = ratio("plain_bn")["mean"]
    assert plain[2] / plain[1] > 50
    assert ratio("plain_bn")["min"][-1] > 0.3 * 56 * 10  # every plain seed far above that line
    assert means[-1] < plain[-1] / 50
    norms = layers("residual_bn", -1)
    assert min(norms) > 0.3 and max(norms) < 8  # "between 0.5 and 5": 0.50..5.1


def test_residual_without_bn_keeps_the_ratio_but_grows_in_size() -> None:
    assert max(ratio("residual_nobn")["max"]) < 3  # 0.4..1.2
    first = [layers("residual_nobn", i)[0] for i in range(3)]  # 0.09, 1.1, 350
    assert all(b > 5 * a for a, b in itertools.pairwise(first))
    assert 0.05 < first[0] < 0.15 and 0.7 < first[1] < 1.6 and 200 < first[2] < 600
    assert min(layers("residual_nobn", -1)) > 200 and max(layers("residual_nobn", -1)) < 2000


# ------------------------------------------------------------------ figure resnet-zero-gamma


def test_zero_gamma_block_is_the_identity_only_for_non_negative_input() -> None:
    gaps = zero_gamma()["gaps"]
    assert gaps["basic_nonnegative"] == 0.0
    assert gaps["basic_signed_vs_relu"] == 0.0  # it is ReLU(x) exactly
    assert 3.6 < gaps["basic_signed"] < 4.6  # "4.1": negative inputs are cut
    assert 3.6 < gaps["projection_nonnegative"] < 4.6  # "4.1": W_s x is not x
    assert gaps["preact_signed"] == 0.0  # no ReLU after the addition
    assert gaps["default_nonnegative"] > 1.0


def test_with_default_gamma_the_initial_logits_are_large() -> None:
    """18-layer residual twin at init: logit std 3.3..4.0 with γ = 1, 0.98..1.08 with zero-γ."""
    std = zero_gamma()["logit_std"]
    assert len(std["default"]) == len(std["zero"]) == len(zero_gamma()["seeds"]) >= 5
    assert min(std["default"]) > 3.2 and max(std["default"]) < 4.1
    assert min(std["zero"]) > 0.9 and max(std["zero"]) < 1.15
    assert min(std["default"]) > 2.5 * max(std["zero"])


def test_zero_gamma_starts_lower_and_stays_ahead_in_the_first_steps() -> None:
    r = zero_gamma()
    assert r["depth"] == 18 and r["lrs"] == [0.1, 0.3] and len(r["seeds"]) >= 5
    first = {"default": [3.3, 3.8], "zero": [1.9, 2.4]}  # "3.4 / 3.7" and "2.3 / 2.0"
    last = {"default": [0.45, 0.95], "zero": [0.15, 0.4]}  # "0.56 / 0.84" and "0.24 / 0.31"
    for i in range(len(r["lrs"])):
        zero, default = r["variants"]["zero"][i], r["variants"]["default"][i]
        assert zero["diverged"] == default["diverged"] == [0] * len(zero["mean"])
        # mean loss of the first 5 steps: default far above chance on every seed, zero-γ near it
        assert default["min"][0] > 1.3 * math.log(10)
        assert zero["max"][0] < 1.1 * math.log(10)
        for name, stats in (("default", default), ("zero", zero)):
            assert first[name][0] < stats["mean"][0] < first[name][1], (name, i)
            assert last[name][0] < stats["mean"][-1] < last[name][1], (name, i)
        assert zero["mean"][-1] < default["mean"][-1] / 2
        # on every seed, below the default run of the same seed at every recorded point
        for z_point, d_point in zip(zero["per_seed"], default["per_seed"], strict=True):
            assert all(z < d for z, d in zip(z_point, d_point, strict=True))


# ------------------------------------------------------------------------------ plots


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_draws_in_both_languages(lang: str) -> None:
    for name, (_run, plot) in rx.FIGURES.items():
        assert isinstance(plot(experiment_results.result(name), lang=lang), Figure), name


# ---------------------------------------------------------------------------------------------
# The conv twins and gradient_norms (builders of the gradients-at-init experiment)
# ---------------------------------------------------------------------------------------------


def test_zero_gamma_residual_net_passes_the_stem_output_through_its_first_stage():
    torch.manual_seed(0)
    net = residual_net(20, zero_init_residual=True)
    h = net.relu(net.bn1(net.conv1(torch.randn(8, 1, 8, 8))))  # ≥ 0 after the ReLU
    assert torch.equal(net.layer1(h), h)
    default = residual_net(20)
    assert not torch.allclose(default.layer1(h), h)


@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("depth", [8, 20])
def test_plain_and_residual_nets_differ_only_in_their_shortcuts(depth, batch_norm):
    torch.manual_seed(1)
    plain = plain_net(depth, batch_norm=batch_norm)
    torch.manual_seed(1)
    res = residual_net(depth, batch_norm=batch_norm)
    a, b = plain.state_dict(), res.state_dict()
    assert [(k, v.shape) for k, v in a.items()] == [(k, v.shape) for k, v in b.items()]
    assert all(torch.equal(a[k], b[k]) for k in a)  # same seed, same initial weights
    assert [type(m) for m in plain.modules()] == [
        type(m) for m in res.modules() if not isinstance(m, ZeroPadShortcut)
    ]
    blocks = [m for m in res.modules() if isinstance(m, BasicBlock)]
    assert len(blocks) == 3 * (depth - 2) // 6
    assert all(m.shortcut == "A" for m in blocks)
    assert all(m.shortcut is None for m in plain.modules() if isinstance(m, BasicBlock))
    weighted = [m for m in res.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(weighted) == depth
    assert any(isinstance(m, nn.BatchNorm2d) for m in res.modules()) == batch_norm
    assert all(m.bias is None for m in weighted[:-1])
    x = torch.randn(4, 1, 8, 8)
    assert not torch.allclose(plain(x), res(x))  # the shortcuts do change the function


def test_plain_net_depth_and_widths():
    net = plain_net(14, num_classes=3, widths=(4, 8), in_channels=2)  # 2 + 4·3
    assert [len(s) for s in net.stages()] == [3, 3]
    assert net(torch.randn(2, 2, 8, 8)).shape == (2, 3)


def test_gradient_norms_equal_manual_norms_in_depth_order():
    torch.manual_seed(0)
    net = ResNet(BasicBlock, [1, 1], num_classes=3, widths=(4, 8), in_channels=1, small_input=True)
    x, target = torch.randn(6, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2])
    loss = F.cross_entropy(net(x), target)
    norms = gradient_norms(net, loss, retain_graph=True)
    assert list(norms) == [
        "conv1.weight",
        "layer1.0.conv1.weight",
        "layer1.0.conv2.weight",
        "layer2.0.conv1.weight",
        "layer2.0.conv2.weight",
        "layer2.0.downsample.0.weight",
        "fc.weight",
    ]
    assert all(p.grad is None for p in net.parameters())  # .grad left untouched
    loss.backward()
    params = dict(net.named_parameters())
    for name, value in norms.items():
        g = params[name].grad
        assert value == pytest.approx(math.sqrt((g * g).sum().item()), rel=1e-5), name
    convs_only = gradient_norms(net, F.cross_entropy(net(x), target), layers=(nn.Conv2d,))
    assert list(convs_only) == list(norms)[:-1]


def test_gradient_norms_errors():
    net = residual_net(8)
    x = torch.randn(4, 1, 8, 8)
    with raises_naming(ValueError, "loss", "()"):
        gradient_norms(net, net(x).sum(1))
    with raises_naming(ValueError, "loss", "grad"), torch.no_grad():
        gradient_norms(net, net(x).sum())
    with raises_naming(TypeError, "loss", "torch.Tensor"):
        gradient_norms(net, 1.0)
    with raises_naming(TypeError, "model", "nn.Module"):
        gradient_norms([net], net(x).sum())
    with raises_naming(ValueError, "model", "Conv1d"):
        gradient_norms(net, net(x).sum(), layers=(nn.Conv1d,))
    unused = nn.ModuleDict({"used": nn.Linear(2, 1), "unused": nn.Linear(2, 1)})
    with raises_naming(ValueError, "loss", "unused.weight"):
        gradient_norms(unused, unused["used"](torch.randn(3, 2)).sum())


@pytest.mark.parametrize(
    ("build", "error", "argument"),
    [
        (lambda: plain_net(10), ValueError, "depth"),  # not 2 + 6n
        (lambda: plain_net(2), ValueError, "depth"),
        (lambda: residual_net(8, widths=(16, 32)), ValueError, "depth"),  # not 2 + 4n
        (lambda: plain_net(20.0), TypeError, "depth"),
        (lambda: plain_net(8, batch_norm="no"), TypeError, "batch_norm"),
        (lambda: plain_net(8, widths=16), TypeError, "widths"),
        (
            lambda: residual_net(8, zero_init_residual=True, batch_norm=False),
            ValueError,
            "zero_init_residual",
        ),
    ],
)
def test_twins_reject_impossible_configurations_naming_the_argument(build, error, argument):
    with raises_naming(error, argument):
        build()
