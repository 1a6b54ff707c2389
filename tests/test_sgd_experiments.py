"""The SGD experiments: one test per sentence the page's figure captions state, with margins.

Each experiment runs once with exactly its figure's defaults (tests/experiment_results.py).
The assertions are orderings and ratios with room to spare, never the exact printed numbers.
"""

from __future__ import annotations

import json
import math

import pytest
import torch

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

import experiment_results
from matplotlib.figure import Figure

from dlnotes.experiments import plotting, sgd


@pytest.fixture(scope="module")
def traj() -> dict:
    return experiment_results.result("sgd-trajectories")


@pytest.fixture(scope="module")
def saddle_result() -> dict:
    return experiment_results.result("sgd-saddle")


@pytest.fixture(scope="module")
def order_result() -> dict:
    return experiment_results.result("sgd-data-order")


@pytest.fixture(scope="module")
def stop_result() -> dict:
    return experiment_results.result("sgd-early-stopping")


@pytest.fixture(scope="module")
def floor_result() -> dict:
    return experiment_results.result("sgd-noise-floor")


# Trajectories (#exp-trajectories) -------------------------------------------------------------


def test_every_optimizer_takes_its_best_lr_from_the_stated_grid(traj: dict) -> None:
    for data in traj["functions"].values():
        assert set(data["best_lr"]) == set(sgd.OPTIMIZERS)
        for name, lr in data["best_lr"].items():
            finals = data["grid"][name]
            assert lr in traj["lr_grid"]
            best = finals[traj["lr_grid"].index(lr)]
            assert best == min(v for v in finals if v is not None)


def test_gd_on_the_quadratic_diverges_above_2_over_l(traj: dict) -> None:
    quad, grid = traj["functions"]["quadratic"], traj["lr_grid"]
    big_l = traj["kappa"]  # the largest curvature of ½(x² + κy²)
    for lr, final in zip(grid, quad["grid"]["gd"], strict=True):
        if lr > 2 / big_l:
            assert final is None, lr
        else:
            assert final is not None and final < 1.0, lr
    assert quad["best_lr"]["gd"] < 2 / big_l


def test_momentum_beats_gd_by_orders_of_magnitude_on_the_quadratic(traj: dict) -> None:
    losses = traj["functions"]["quadratic"]["losses"]
    gd = losses["gd"][-1]
    assert gd > 1e-4  # GD's rate (κ − 1)/(κ + 1) per step is still far from done
    for name in ("momentum", "nesterov"):
        assert losses[name][-1] < gd * 1e-6, name
    # the follow-up: per step the error shrinks by 0.99 for GD (η = 0.01) and by about 0.95 for
    # heavy ball, near √μ = 0.949 (the error is √loss, so 2 × 200 in the exponent)
    rate = {
        name: (losses[name][300] / losses[name][100]) ** (1 / 400) for name in ("gd", "momentum")
    }
    assert abs(rate["gd"] - 0.99) < 0.003, rate
    assert 0.9**0.5 - 0.005 < rate["momentum"] < 0.97, rate
    # the caption: the momentum and adaptive methods all end below 1e-12
    for name in ("momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        assert losses[name][-1] < 1e-12, name


def test_on_rosenbrock_momentum_nesterov_and_adam_beat_gd_by_100x(traj: dict) -> None:
    losses = traj["functions"]["rosenbrock"]["losses"]
    gd = losses["gd"][-1]
    for name in ("momentum", "nesterov", "adam"):
        assert losses[name][-1] < gd / 100, name
    # Adagrad's effective step only shrinks: even its best lr (the top of the grid) is slow
    assert losses["adagrad"][-1] > 0.5 * gd  # 4.3 vs 5.0
    assert traj["functions"]["rosenbrock"]["best_lr"]["adagrad"] == max(traj["lr_grid"])


def test_run_paths_runs_each_lr_independently() -> None:
    f = sgd.quadratic(10.0)
    together = sgd.run_paths(f, (1.0, 1.0), "adam", (0.01, 0.1), 20)
    alone = sgd.run_paths(f, (1.0, 1.0), "adam", (0.1,), 20)
    assert together[1] == alone[0]


# Saddle (#exp-saddle) -------------------------------------------------------------------------


def test_gd_from_the_exact_start_converges_to_the_saddle(saddle_result: dict) -> None:
    exact = saddle_result["runs"]["exact"]
    assert all(y == 0.0 for y in exact["y"])
    assert abs(exact["x"][-1]) < 1e-6 and abs(exact["f"][-1]) < 1e-6


@pytest.mark.parametrize("run", ["tiny", "noise"])
def test_a_tiny_offset_or_gradient_noise_escapes_to_a_minimum(
    saddle_result: dict, run: str
) -> None:
    path = saddle_result["runs"][run]
    assert abs(abs(path["y"][-1]) - math.sqrt(2)) < 0.02
    assert path["f"][-1] < -0.99


def test_escape_time_grows_linearly_in_log_one_over_y0(saddle_result: dict) -> None:
    lns = [math.log(1 / y0) for y0 in saddle_result["y0s"]]
    steps = saddle_result["escape_steps"]
    assert None not in steps and steps == sorted(steps)
    slopes = [
        (b - a) / (lb - la) for a, b, la, lb in zip(steps, steps[1:], lns, lns[1:], strict=False)
    ]
    # near the saddle y grows by (1 + 2η) per step: slope 1 / ln(1 + 2η)
    expected = 1 / math.log(1 + 2 * saddle_result["lr"])
    assert all(abs(s - expected) < 0.1 * expected for s in slopes), (slopes, expected)


# Data order (#exp-order) ----------------------------------------------------------------------


def test_class_sorted_order_is_far_behind_after_one_epoch(order_result: dict) -> None:
    orders = order_result["orders"]
    assert orders["sorted"]["test_acc"]["mean"][0] < 0.3
    for order in ("reshuffle", "replacement"):
        assert orders[order]["test_acc"]["min"][0] > 0.8, order


def test_random_orders_reach_about_0_92_to_0_94_after_the_first_epoch(order_result: dict) -> None:
    # the caption: "reshuffled and with-replacement orders reach 0.92-0.94 after the first epoch"
    for order in ("reshuffle", "replacement"):
        assert 0.88 < order_result["orders"][order]["test_acc"]["mean"][0] < 0.98, order


def test_class_sorted_order_still_lags_after_five_epochs(order_result: dict) -> None:
    orders = order_result["orders"]
    sorted_loss = orders["sorted"]["train_loss"]["mean"][-1]
    for order in ("reshuffle", "replacement"):
        assert (
            orders[order]["test_acc"]["mean"][-1] > orders["sorted"]["test_acc"]["mean"][-1] + 0.2
        )
        assert orders[order]["train_loss"]["mean"][-1] < sorted_loss / 3


def test_reshuffling_and_replacement_are_within_seed_noise(order_result: dict) -> None:
    orders = order_result["orders"]
    assert len(order_result["seeds"]) >= 10
    for metric in ("test_acc", "train_loss"):
        a, b = orders["reshuffle"][metric], orders["replacement"][metric]
        gap = abs(a["mean"][-1] - b["mean"][-1])
        assert gap < 2 * max(a["std"][-1], b["std"][-1]), metric


def test_data_order_batches_the_seeds_without_mixing_them() -> None:
    one = sgd.data_order(seeds=(3,), epochs=1)["orders"]["reshuffle"]["test_acc"]["mean"][0]
    both = sgd.data_order(seeds=(0, 3), epochs=1)["orders"]["reshuffle"]["test_acc"]["per_seed"]
    assert abs(both[0][1] - one) < 1e-6


# Early stopping (#exp-early-stopping) ---------------------------------------------------------


def test_patience_3_restores_the_lowest_validation_loss_more_often(stop_result: dict) -> None:
    hits = {1: 0, 3: 0}
    for run in stop_result["runs"]:
        lowest = run["val_loss"].index(min(run["val_loss"]))
        for p in hits:
            stop = run["stops"][str(p)]
            assert stop is not None
            hits[p] += stop["best_epoch"] == lowest
        assert run["stops"]["1"]["stop_epoch"] <= run["stops"]["3"]["stop_epoch"]
    assert len(stop_result["runs"]) >= 5
    assert hits[3] == len(stop_result["runs"]) and hits[1] <= len(stop_result["runs"]) - 2


def test_the_seed_0_figure_shows_what_its_caption_says(stop_result: dict) -> None:
    # "validation loss falling to a minimum near epoch 7, then rising; test accuracy peaking near
    # 0.93 and ending near 0.88" (epochs counted from 1 on the figure)
    run = stop_result["runs"][0]
    assert run["seed"] == 0
    val, acc = run["val_loss"], run["test_acc"]
    best = val.index(min(val))
    assert 5 <= best + 1 <= 9
    assert val[-1] > 1.05 * min(val)  # 1.11
    assert 0.9 < max(acc) < 0.96 and 0.85 < acc[-1] < 0.91
    finals = [r["test_acc"][-1] for r in stop_result["runs"]]
    assert min(finals) > 0.84 and max(finals) < 0.92  # "final test accuracy 0.86 to 0.90"


def test_restored_weights_beat_training_to_the_end(stop_result: dict) -> None:
    gaps = [r["stops"]["3"]["restored_test_acc"] - r["test_acc"][-1] for r in stop_result["runs"]]
    assert all(gap > 0 for gap in gaps), gaps
    assert sum(gaps) / len(gaps) > 0.02, gaps


# Noise floor (#exp-noise-floor) ---------------------------------------------------------------


def test_constant_lr_floor_scales_with_the_lr(floor_result: dict) -> None:
    big, small = floor_result["lrs"]
    floors = floor_result["floors"]
    ratio = floors[f"constant-{big:g}"] / floors[f"constant-{small:g}"]
    assert ratio > 0.75 * big / small, ratio
    # the caption: "0.02 levels off near 1.5e-2, 0.005 near 1.6e-3"
    assert 1e-2 < floors[f"constant-{big:g}"] < 2.5e-2
    assert 1e-3 < floors[f"constant-{small:g}"] < 2.5e-3


def test_decayed_lr_goes_below_both_floors(floor_result: dict) -> None:
    floors = floor_result["floors"]
    lowest_constant = min(v for k, v in floors.items() if k.startswith("constant"))
    assert floors["cosine"] < lowest_constant / 10  # "about 18 times below": 8.9e-5 vs 1.6e-3
    assert 5e-5 < floors["cosine"] < 2e-4  # the caption: "to about 1e-4"


# Figures ----------------------------------------------------------------------------------------


def _texts(fig: Figure) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("name", sorted(sgd.FIGURES))
def test_figure_words_are_in_the_figure_language(name: str) -> None:
    _run, plot = sgd.FIGURES[name]
    result = experiment_results.result(name)
    for lang in plotting.LANGS:
        texts = _texts(plot(result, lang=lang))
        hanzi = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
        assert bool(hanzi) == (lang == "zh"), (name, lang)


def test_labels_exist_in_every_language() -> None:
    assert set(sgd.LABELS) == set(plotting.LANGS)
    assert all(set(words) == set(sgd.LABELS["en"]) for words in sgd.LABELS.values())


@pytest.mark.parametrize("name", sorted(sgd.FIGURES))
def test_results_are_json_serialisable(name: str) -> None:
    result = experiment_results.result(name)
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_make_optimizer_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="name must be one of"):
        sgd.make_optimizer("lbfgs", [torch.zeros(1, requires_grad=True)], 0.1)
