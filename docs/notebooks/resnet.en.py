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
# # ResNet and degradation: the experiments
#
# The experiments of the [ResNet page](../../resnet/), run end to end. Each function returns
# plain numbers (a dict) and each `plot_*` function draws the figure that the page shows.
# Everything is seeded and runs on one CPU thread, on scikit-learn's bundled 8×8 digits.
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
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/resnet.en.ipynb

# %% tags=["skip-execution"]
# Installs dlnotes and its experiments extra into this kernel's environment (the site's build,
# which has them, skips this cell).
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import resnet as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Degradation
#
# Plain and residual twins (BN MLPs built like the basic block) at depth 4, 18 and 34, each
# trained for 300 steps on a full schedule (15 warmup steps, then the learning rate ÷10 at half
# and three quarters of the steps); for each, the best of three learning rates, five seeds. At a
# fixed budget the deeper plain nets converge far more slowly; the 18-layer one was still
# falling fast when the learning rate was first cut (see the loss per phase of the schedule).

# %%
degradation = cached(experiments.degradation)
print("depths:", degradation["depths"], "steps:", degradation["steps"])
for variant in experiments.VARIANTS:
    best = degradation["variants"][variant]["best"]
    loss = best["loss"]
    spread = [f"{m:.3f} ± {s:.3f}" for m, s in zip(loss["mean"], loss["std"], strict=True)]
    print(f"{variant:>8} best lr:", best["lr"])
    print(f"{variant:>8} training loss (mean ± std over seeds):", spread)
    print(f"{variant:>8} training error:", [f"{e:.1%}" for e in best["error"]["mean"]])
    print(
        f"{variant:>8} loss per schedule phase:",
        [[round(p, 3) for p in ph] for ph in best["phases"]],
    )
    print(f"{variant:>8} diverged runs:", degradation["variants"][variant]["diverged"])
experiments.plot_degradation(degradation, lang="en")

# %% [markdown]
# ## 2. Gradient norms at initialization
#
# Weight-gradient norm of every layer of `plain_net` and `residual_net`, with and without BN,
# one batch of 64 digits, five seeds. The ratio compares the first conv with the last one.

# %%
gradients = cached(experiments.gradients_at_init)
print("depths:", gradients["depths"])
for variant in experiments.GRAD_VARIANTS:
    print(f"{variant:>14} first/last:", [f"{m:.3g}" for m in gradients["ratio"][variant]["mean"]])
experiments.plot_gradients(gradients, lang="en")

# %% [markdown]
# ## 3. Zero-γ: identity at initialization, and the first training steps
#
# Also the spread of the initial logits of the 18-layer residual twin: large with the default
# γ = 1, about 1 with zero-γ.

# %%
zero = cached(experiments.zero_gamma)
for case, gap in zero["gaps"].items():
    print(f"{case:>24}: max |y - x| = {gap:.3g}")
for variant, stds in zero["logit_std"].items():
    print(f"initial logit std, {variant:>7}:", [round(v, 2) for v in stds])
for i, lr in enumerate(zero["lrs"]):
    for variant in ("default", "zero"):
        print(f"lr {lr} {variant:>7}:", [round(m, 2) for m in zero["variants"][variant][i]["mean"]])
experiments.plot_zero_gamma(zero, lang="en")
