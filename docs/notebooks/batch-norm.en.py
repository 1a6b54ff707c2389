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
# **Run it yourself** (Python ≥ 3.11): [Open in Colab][colab], or download this notebook with
# the button at the top of its page (an `.ipynb` with its outputs) and open it in Jupyter. Its
# first code cell installs the package from the repository with its `experiments` extra, which
# adds scikit-learn (the bundled digits) and matplotlib (the figures):
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"
#
# Colab has PyTorch already. In your own Jupyter, that line also installs PyTorch from PyPI when
# it is missing; on Linux that is the CUDA build, a download of several GB. Without a GPU,
# install the CPU build first: `pip install torch --index-url https://download.pytorch.org/whl/cpu`.
#
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/batch-norm.en.ipynb

# %% tags=["skip-execution"]
# Installs dlnotes and its experiments extra into this kernel's environment (the site's build,
# which has them, skips this cell).
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

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
# rate, with and without BN; five seeds. Each number printed is the mean over the seeds,
# with the lowest and highest seed in brackets. Diverged runs (the loss became NaN) are marked.

# %%
lr_result = cached(experiments.lr_tolerance)
print("learning rates:", lr_result["learning_rates"])
for norm, metrics in lr_result["variants"].items():
    acc = metrics["test_acc"]
    # mean (lowest-highest seed); None where a seed diverged
    spread = [
        m and f"{m:.2f} ({lo:.2f}-{hi:.2f})"
        for m, lo, hi in zip(acc["mean"], acc["min"], acc["max"], strict=True)
    ]
    print(f"{norm:>5} test accuracy:", spread)
    print(f"{norm:>5} diverged seeds:", acc["diverged"])
experiments.plot_lr_tolerance(lr_result, lang="en")

# %% [markdown]
# ## 2. Tiny batches: BatchNorm vs LayerNorm
#
# A 3-layer MLP trained for 400 SGD steps at each batch size, evaluated in eval mode (BN uses
# its running statistics). The last line evaluates BN with the whole test set's statistics
# instead: if that fails as well, the problem is in training, not in the running averages.

# %%
batch_result = cached(experiments.small_batches)
print("batch sizes:", batch_result["batch_sizes"])
print("epochs seen:", [round(e, 1) for e in batch_result["epochs"]])
for norm, metrics in batch_result["variants"].items():
    for name in ("train_loss", "train_acc", "test_acc", "test_acc_test_stats"):
        s = metrics[name]
        spread = [
            f"{m:.2f} ({lo:.2f}-{hi:.2f})"
            for m, lo, hi in zip(s["mean"], s["min"], s["max"], strict=True)
        ]
        print(f"{norm:>5} {name:<19}", spread)
experiments.plot_small_batches(batch_result, lang="en")

# %% [markdown]
# ## 3. Brightness, contrast and noise
#
# MLPs with and without BN trained on clean digits (five seeds), evaluated on perturbed copies
# of the test set. The perturbations act on the raw pixels in [0, 1], before standardization.

# %%
contrast_result = cached(experiments.contrast_robustness)
labels = [experiments.perturbation_label(*p, lang="en") for p in contrast_result["perturbations"]]
for norm, metrics in contrast_result["variants"].items():
    s = metrics["test_acc"]
    spread = [
        f"{m:.2f} ({lo:.2f}-{hi:.2f})"
        for m, lo, hi in zip(s["mean"], s["min"], s["max"], strict=True)
    ]
    print(f"{norm:>5}", dict(zip(labels, spread, strict=True)))
experiments.plot_contrast_robustness(contrast_result, lang="en")
