# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Batch Normalization: the experiments
#
# The three experiments of the [Batch Normalization page](../../batch-norm/), run end to end.
# Each function returns plain numbers (a dict) and each `plot_*` function draws the figure that
# the page shows. Everything is seeded and runs on one CPU thread, on scikit-learn's bundled
# digits, in about a minute in total.
#
# To run it yourself: `pip install "dlnotes[experiments]" jupytext`, then open this file in
# Jupyter (jupytext reads it as a notebook) or simply run it with `python`.

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import batch_norm as experiments
from dlnotes.experiments import cached

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Learning-rate tolerance
#
# A 10-layer MLP with He initialization, trained with plain SGD for 5 epochs at each learning
# rate, with and without BN; three seeds. Diverged runs (the loss became NaN) are marked.

# %%
lr_result = cached(experiments.lr_tolerance)
print("learning rates:", lr_result["learning_rates"])
for norm, stats in lr_result["variants"].items():
    print(f"{norm:>5} mean test accuracy:", [a and round(a, 3) for a in stats["acc"]["mean"]])
experiments.plot_lr_tolerance(lr_result)

# %% [markdown]
# ## 2. Tiny batches: BatchNorm vs LayerNorm
#
# A 3-layer MLP trained for 400 SGD steps at each batch size, evaluated in eval mode (BN uses
# its running statistics). The last line evaluates BN with the whole test set's statistics
# instead: if that fails as well, the problem is in training, not in the running averages.

# %%
batch_result = cached(experiments.small_batches)
print("batch sizes:", batch_result["batch_sizes"])
for norm, stats in batch_result["variants"].items():
    print(f"{norm:>5} eval-mode accuracy:", [round(a, 3) for a in stats["acc"]["mean"]])
with_test_stats = batch_result["variants"]["batch"]["test_acc_batch_stats"]
print("   BN with test-set statistics:", [round(sum(r) / len(r), 3) for r in with_test_stats])
experiments.plot_small_batches(batch_result)

# %% [markdown]
# ## 3. Brightness, contrast and noise
#
# MLPs with and without BN trained on clean digits (three seeds), evaluated on perturbed copies
# of the test set. The perturbations act on the raw pixels in [0, 1], before standardization.

# %%
contrast_result = cached(experiments.contrast_robustness)
for norm, stats in contrast_result["variants"].items():
    means = dict(zip(contrast_result["perturbations"], stats["acc"]["mean"], strict=True))
    print(f"{norm:>5}", {k: round(v, 3) for k, v in means.items()})
experiments.plot_contrast_robustness(contrast_result)
