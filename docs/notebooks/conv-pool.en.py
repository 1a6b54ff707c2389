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
# # Convolution and pooling: the experiments
#
# The experiments of the [convolution and pooling page](../../conv-pool/), run end to end.
# Each function returns plain numbers (a dict) and each `plot_*` function draws the figure that
# the page shows. Everything is seeded and runs on one CPU thread, on scikit-learn's bundled
# digits placed in the middle of a 16×16 canvas.
#
# To run it yourself (Python ≥ 3.11), install the package with its `experiments` extra
# (scikit-learn and matplotlib) and jupytext from the repository:
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes" jupytext
#
# then open this file in Jupyter (jupytext reads it as a notebook) or simply run it with
# `python`.

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import conv_pool as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Pooled features under small shifts
#
# Sobel edge maps of the test digits, shifted right by 0–3 px, pooled 2×2 with stride 2.
# Shifts by a multiple of the stride move the pooled map exactly; odd shifts change it.

# %%
shift_result = cached(experiments.pool_shift)
print("shifts:", shift_result["shifts"])
for kind in experiments.POOLS:
    print(f"{kind:>5} relative change:", [round(v, 3) for v in shift_result[kind]["rel_change"]])
print("  max unchanged (aligned):", [round(v, 3) for v in shift_result["max"]["aligned"]])
experiments.plot_pool_shift(shift_result, lang="en")

# %% [markdown]
# ## 2. A trained CNN under shifts, rotations and scaling
#
# Three small CNNs (max, average, blur pooling), three seeds each, trained on centred digits
# only. Consistency: the fraction of predictions unchanged by a shift.

# %%
cnn_result = cached(experiments.cnn_invariance)
for kind, metrics in cnn_result["variants"].items():
    for name in ("consistency", "rotation", "scaling"):
        print(f"{kind:>5} {name:<12}", [round(m, 3) for m in metrics[name]["mean"]])
experiments.plot_cnn_invariance(cnn_result, lang="en")

# %% [markdown]
# ## 3. Hand-made edge kernels and learned first-layer filters

# %%
experiments.plot_feature_maps(cached(experiments.feature_maps), lang="en")

# %% [markdown]
# ## 4. Receptive field: formula against gradient support

# %%
rf_result = cached(experiments.receptive_field_check)
print("formula: ", rf_result["formula"])
print("measured:", rf_result["measured"])
experiments.plot_receptive_field(rf_result, lang="en")
