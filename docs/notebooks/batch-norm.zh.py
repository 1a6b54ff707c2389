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
# # 批量归一化（Batch Normalization）：实验
#
# [批量归一化页面](../../batch-norm/)中的三个实验，完整运行一遍。每个实验函数返回普通的数字（一个 dict），
# 每个 `plot_*` 函数画出页面上展示的图。所有实验都固定随机种子，在单个 CPU 线程上、用 scikit-learn
# 自带的 digits 手写数字数据运行，总共约一分钟。
#
# 自己运行：`pip install "dlnotes[experiments]" jupytext`，然后在 Jupyter 中打开本文件（jupytext 会把它
# 读成笔记本），或者直接用 `python` 运行。

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import batch_norm as experiments
from dlnotes.experiments import cached

print("torch", torch.__version__)

# %% [markdown]
# ## 1. 对学习率的容忍度
#
# 10 层 MLP，He 初始化，在每个学习率下用普通 SGD 训练 5 个 epoch，有 BN 与无 BN 各一组；三个随机种子。
# 发散的运行（损失变成 NaN）会被标出。

# %%
lr_result = cached(experiments.lr_tolerance)
print("learning rates:", lr_result["learning_rates"])
for norm, stats in lr_result["variants"].items():
    print(f"{norm:>5} mean test accuracy:", [a and round(a, 3) for a in stats["acc"]["mean"]])
experiments.plot_lr_tolerance(lr_result)

# %% [markdown]
# ## 2. 极小批量：BatchNorm 与 LayerNorm
#
# 3 层 MLP，在每个批量大小下用 SGD 训练 400 步，在 eval 模式下评估（BN 使用滑动统计量）。最后一行改用整个
# 测试集的统计量来评估 BN：如果这样也不行，问题出在训练阶段，而不在滑动平均。

# %%
batch_result = cached(experiments.small_batches)
print("batch sizes:", batch_result["batch_sizes"])
for norm, stats in batch_result["variants"].items():
    print(f"{norm:>5} eval-mode accuracy:", [round(a, 3) for a in stats["acc"]["mean"]])
with_test_stats = batch_result["variants"]["batch"]["test_acc_batch_stats"]
print("   BN with test-set statistics:", [round(sum(r) / len(r), 3) for r in with_test_stats])
experiments.plot_small_batches(batch_result)

# %% [markdown]
# ## 3. 亮度、对比度和噪声
#
# 有 BN 与无 BN 的 MLP 在干净的 digits 上训练（三个随机种子），在扰动后的测试集副本上评估。扰动作用在
# [0, 1] 范围的原始像素上，在标准化之前。

# %%
contrast_result = cached(experiments.contrast_robustness)
for norm, stats in contrast_result["variants"].items():
    means = dict(zip(contrast_result["perturbations"], stats["acc"]["mean"], strict=True))
    print(f"{norm:>5}", {k: round(v, 3) for k, v in means.items()})
experiments.plot_contrast_robustness(contrast_result)
