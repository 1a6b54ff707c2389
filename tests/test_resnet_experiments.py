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

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

import experiment_results
from matplotlib.figure import Figure

from dlnotes.experiments import resnet as rx
from dlnotes.resnet import BasicBlock


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
    with pytest.raises(ValueError, match="depth must be 2 \\+ 2n"):
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


def test_no_run_diverged_so_every_loss_is_a_real_plateau_value() -> None:
    r = degradation()
    for variant in rx.VARIANTS:
        assert r["variants"][variant]["diverged"] == [0] * len(r["depths"])
    assert r["lrs"] == [0.03, 0.1, 0.3] and len(r["seeds"]) >= 3


def test_at_the_shallowest_depth_plain_and_residual_train_alike() -> None:
    plain, res = best("plain")["loss"]["mean"][0], best("residual")["loss"]["mean"][0]
    assert abs(plain - res) < 0.03  # 0.051 vs 0.044
    assert max(plain, res) < 0.1


def test_deeper_plain_nets_reach_a_higher_training_loss() -> None:
    """The degradation problem: training loss, at the best learning rate of each depth."""
    means = best("plain")["loss"]["mean"]  # 0.051, 0.283, 1.297
    assert all(b > 2 * a for a, b in itertools.pairwise(means))
    assert 0.2 < means[1] < 0.4 and 1.0 < means[2] < 1.6  # "0.28 at 10 layers and 1.30 at 18"
    errors = best("plain")["error"]["mean"]  # 1.6%, 9.3%, 45%
    assert errors[0] < 0.05 and 0.06 < errors[1] < 0.13 and 0.35 < errors[2] < 0.55


def test_the_deepest_plain_net_trains_but_stays_far_above_the_residual_one() -> None:
    r = degradation()
    plain, res = best("plain"), best("residual")
    # it learns something: below the chance loss ln 10 = 2.30 and its error below 90 %
    assert plain["loss"]["max"][-1] < 0.7 * r["chance"]  # 1.33
    assert plain["error"]["max"][-1] < 0.7
    # and every seed stays above every residual seed, by a wide margin
    assert plain["loss"]["min"][-1] > 4 * res["loss"]["max"][-1]  # 1.25 vs 0.22
    # the home page: "a plain net's training loss is 7× its residual twin's"
    assert 6 < plain["loss"]["mean"][-1] / res["loss"]["mean"][-1] < 9  # 1.30 / 0.175 = 7.4
    assert res["loss"]["mean"][1] < 0.11 and res["loss"]["mean"][2] < 0.25  # 0.076, 0.175
    assert res["error"]["mean"][1] < 0.05 and res["error"]["mean"][2] < 0.09  # 2.8 %, 5.8 %


def test_residual_nets_degrade_much_less_with_depth() -> None:
    plain, res = best("plain")["loss"]["mean"], best("residual")["loss"]["mean"]
    for depth in range(1, len(plain)):
        assert res[depth] < plain[depth] / 2  # 0.076 vs 0.283, 0.175 vs 1.297
        assert best("plain")["loss"]["min"][depth] > best("residual")["loss"]["max"][depth]
    assert res[-1] < 0.3


def test_the_gap_is_not_a_tuning_accident_every_learning_rate_agrees() -> None:
    """At the deepest depth the plain net loses at every learning rate of the grid."""
    r = degradation()
    n = len(r["lrs"])
    plain = r["variants"]["plain"]["by_lr"]["loss"]["mean"][-n:]  # 1.37, 1.30, 1.46
    res = r["variants"]["residual"]["by_lr"]["loss"]["mean"][-n:]  # 0.18, 0.175, 0.29
    assert min(plain) > 3 * max(res)


def test_the_deep_plain_curve_is_still_falling_at_the_end_of_the_budget() -> None:
    """The page says so: at a fixed budget, slower and worse cannot be told apart."""
    curve = best("plain")["curve"][-1]  # ..., 1.45, 1.39, 1.30
    assert curve[-1] < curve[-3] - 0.05
    assert curve[-1] > 1.0


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
    assert max(layers("plain_nobn", -1)) < 1e-4
    assert ratio("plain_nobn")["max"][-1] < 10  # the whole net shrinks: the ratio stays ≈ 1


def test_residual_with_bn_stays_bounded() -> None:
    assert max(ratio("residual_bn")["max"]) < 30  # 1.6, 3.6, 9.1 (max 12.3)
    means = ratio("residual_bn")["mean"]
    assert 1 < means[0] < 2.5 and 2 < means[1] < 6 and 6 < means[2] < 13
    assert ratio("residual_bn")["mean"][-1] < ratio("plain_bn")["mean"][-1] / 50
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
    assert gaps["basic_signed"] > 1.0  # 4.1: negative inputs are cut
    assert gaps["projection_nonnegative"] > 1.0  # 4.1: W_s x is not x
    assert gaps["preact_signed"] == 0.0  # no ReLU after the addition
    assert gaps["default_nonnegative"] > 1.0


def test_zero_gamma_starts_lower_and_stays_ahead_in_the_first_steps() -> None:
    r = zero_gamma()
    assert r["depth"] == 18 and r["lrs"] == [0.1, 0.3]
    for i in range(len(r["lrs"])):
        zero, default = r["variants"]["zero"][i], r["variants"]["default"][i]
        assert zero["diverged"] == default["diverged"] == [0] * len(zero["mean"])
        # the first 5 steps: default 3.5 / 3.8, far above chance; zero-γ 2.2 / 2.0, near it
        assert default["min"][0] > 1.3 * math.log(10)
        assert zero["max"][0] < 1.1 * math.log(10)
        assert 3.2 < default["mean"][0] < 4.1 and 1.8 < zero["mean"][0] < 2.4  # 3.5/3.8, 2.2/2.0
        # after 30 steps: 0.53 vs 0.22 (lr 0.1) and 0.90 vs 0.26 (lr 0.3), every seed
        assert zero["max"][-1] < default["min"][-1] - 0.15
        assert 0.15 < zero["mean"][-1] < 0.3 and 0.45 < default["mean"][-1] < 1.1
        assert all(z < d for z, d in zip(zero["mean"], default["mean"], strict=True))


# ------------------------------------------------------------------------------ plots


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_draws_in_both_languages(lang: str) -> None:
    for name, (_run, plot) in rx.FIGURES.items():
        assert isinstance(plot(experiment_results.result(name), lang=lang), Figure), name
