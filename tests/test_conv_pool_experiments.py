"""The convolution and pooling experiments: the claims the captions on the page make.

Each experiment runs once with exactly the default configuration its figure uses; the tests
assert what the captions state, as orderings and bounds with margins, never exact numbers
(exact values only where the claim is an identity, e.g. shifts by a multiple of the stride).
"""

from __future__ import annotations

import itertools

import pytest
import torch

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

import experiment_results
from matplotlib.figure import Figure

from dlnotes import conv
from dlnotes.experiments import conv_pool as cp


def shift_result() -> dict:
    return experiment_results.result("conv-pool-shift")


def cnn_result() -> dict:
    return experiment_results.result("conv-invariance")


def rf_result() -> dict:
    return experiment_results.result("conv-receptive-field")


# ------------------------------------------------------------------------------ building blocks


def test_canvas_keeps_a_zero_border_so_small_rolls_are_zero_filled_shifts() -> None:
    _, _, x_test, _ = cp.canvas_digits()
    img = x_test.view(-1, 16, 16)
    assert img[:, :4].abs().max() == 0 and img[:, 12:].abs().max() == 0
    assert img[:, :, :4].abs().max() == 0 and img[:, :, 12:].abs().max() == 0
    moved = cp.shift(x_test, dx=3, dy=-2).view(-1, 16, 16)
    assert torch.equal(moved[:, 2:14, 7:16], img[:, 4:16, 4:13])


def test_blur_pool_is_max_then_binomial_blur_with_stride_two() -> None:
    x = torch.rand(2, 3, 8, 8)
    blur = cp.BlurPool2d(max_first=False)(x)
    # a constant map stays constant away from the zero-padded border
    assert torch.allclose(
        cp.BlurPool2d(max_first=False)(torch.ones(1, 1, 8, 8))[0, 0, 1:, 1:], torch.ones(3, 3)
    )
    kernel = torch.tensor([1.0, 2.0, 1.0])
    kernel = (kernel[:, None] * kernel[None, :] / 16).expand(3, 1, 3, 3)
    assert torch.allclose(
        blur, torch.nn.functional.conv2d(x, kernel, stride=2, padding=1, groups=3)
    )
    assert cp.BlurPool2d()(x).shape == (2, 3, 4, 4)


def test_pool_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kind"):
        cp.pool(torch.zeros(1, 1, 4, 4), "median")


def test_transform_identity_and_rotation_by_90_degrees() -> None:
    _, _, x_test, _ = cp.canvas_digits()
    x = x_test[:5]
    assert torch.allclose(cp.transform(x), x, atol=1e-6)
    turned = cp.transform(x, angle=90.0).view(-1, 16, 16)
    assert torch.allclose(
        turned, torch.rot90(x.view(-1, 16, 16), k=1, dims=(1, 2)), atol=1e-5
    ) or torch.allclose(turned, torch.rot90(x.view(-1, 16, 16), k=-1, dims=(1, 2)), atol=1e-5)


# ---------------------------------------------------------------- figure conv-pool-shift


def test_a_shift_by_a_multiple_of_the_stride_moves_the_pooled_map_exactly() -> None:
    r = shift_result()
    for kind in cp.POOLS:
        for d, aligned, change in zip(
            r["shifts"], r[kind]["aligned"], r[kind]["rel_change"], strict=True
        ):
            if d % 2 == 0:
                assert aligned == 1.0 and change == 0.0, (kind, d)


def test_after_a_one_pixel_shift_most_max_pooled_values_change() -> None:
    r = shift_result()
    i = r["shifts"].index(1)
    assert r["max"]["aligned"][i] < 0.3  # measured 0.20
    assert r["max"]["in_place"][i] < 0.3
    # and without realigning, a 2-px shift changes nearly every pooled value in place
    assert r["max"]["in_place"][r["shifts"].index(2)] < 0.05


def test_blur_pooling_changes_least_under_odd_shifts_and_average_most() -> None:
    r = shift_result()
    for i, d in enumerate(r["shifts"]):
        if d % 2:
            assert r["blur"]["rel_change"][i] < 0.85 * r["max"]["rel_change"][i]  # 0.46 vs 0.59
            assert r["max"]["rel_change"][i] < r["avg"]["rel_change"][i]  # 0.59 vs 0.68
            assert r["blur"]["rel_change"][i] > 0.3  # reduced, not removed


# ---------------------------------------------------------------- figure conv-invariance


def test_the_cnns_learn_the_centred_digits() -> None:
    for kind in cp.POOLS:
        assert cnn_result()["variants"][kind]["rotation"]["min"][0] > 0.8  # 0.86..0.96


def test_one_pixel_shift_changes_many_predictions_and_larger_shifts_more() -> None:
    r = cnn_result()
    for kind in cp.POOLS:
        mean = r["variants"][kind]["consistency"]["mean"]
        assert mean[0] == 1.0
        assert r["variants"][kind]["consistency"]["max"][1] < 0.8  # 0.49..0.67 on average
        assert 0.4 < mean[1] < 0.75  # "a third to a half of the predictions" change
        assert mean[1] > mean[2] + 0.1 and mean[2] > mean[3]
        assert mean[3] < 0.3  # "3 pixels change most of them": 0.10..0.20


def test_blur_pooling_is_more_consistent_than_max_and_avg_but_far_from_invariant() -> None:
    r = cnn_result()["variants"]
    for d in (1, 2, 3):
        assert r["blur"]["consistency"]["mean"][d] > r["max"]["consistency"]["mean"][d] + 0.03
        assert r["max"]["consistency"]["mean"][d] > r["avg"]["consistency"]["mean"][d]
    assert r["blur"]["consistency"]["mean"][1] < 0.8


def test_no_pooling_variant_is_rotation_or_scale_invariant() -> None:
    r = cnn_result()
    angles, scales = r["angles"], r["scales"]
    for kind in cp.POOLS:
        rot = r["variants"][kind]["rotation"]["mean"]
        assert all(a > b for a, b in itertools.pairwise(rot)), (kind, rot)
        assert rot[angles.index(45.0)] < 0.4  # 0.20..0.27
        assert rot[angles.index(30.0)] < rot[0] - 0.3
        scaled = r["variants"][kind]["scaling"]["mean"]
        plain = scaled[scales.index(1.0)]
        assert scaled[scales.index(0.75)] < plain - 0.3  # 0.30..0.49 vs 0.88..0.96
        assert scaled[scales.index(1.25)] < plain - 0.1


def test_first_layer_filters_are_returned_for_the_figure() -> None:
    filters = torch.tensor(cnn_result()["filters"])
    assert filters.shape == (8, 3, 3) and filters.abs().sum() > 0


# ---------------------------------------------------------------- figure conv-receptive-field


def test_receptive_field_formula_matches_the_gradient_support_at_every_depth() -> None:
    r = rf_result()
    assert r["formula"] == r["measured"]
    assert r["formula"][-1] == conv.receptive_field([tuple(layer) for layer in r["stack"]]) == 28


def test_the_gradient_is_concentrated_in_the_middle_of_the_receptive_field() -> None:
    r = rf_result()
    profile = torch.tensor(r["profile"])
    xs = torch.tensor(r["profile_x"])
    half = r["formula"][-1] / 2
    inner = profile[xs.abs() <= half / 2].sum()
    assert inner > 0.6 * profile.sum()
    assert profile[xs.abs() > half + 0.5].sum() == 0


# ------------------------------------------------------------------------------ plots


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_draws_in_both_languages(lang: str) -> None:
    for name, (_run, plot) in cp.FIGURES.items():
        assert isinstance(plot(experiment_results.result(name), lang=lang), Figure), name
