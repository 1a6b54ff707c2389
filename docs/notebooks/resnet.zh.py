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
# # ResNet 与退化问题（ResNet and degradation）：实验
#
# [ResNet 一页](../../resnet/)中的实验，从头到尾完整运行。每个实验函数返回普通的数字（一个 dict），
# 每个 `plot_*` 函数画出页面上的那张图。全部固定随机种子、只用一个 CPU 线程，数据是 scikit-learn 自带的
# 8×8 手写数字。
#
# 自己运行（Python ≥ 3.11）：从代码仓库安装本包及其 `experiments` 附加依赖（scikit-learn 和
# matplotlib），以及 jupytext：
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes" jupytext
#
# 然后在 Jupyter 中打开本文件（jupytext 会把它当作笔记本读取），或者直接用 `python` 运行。

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import resnet as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. 退化问题
#
# 普通网络与残差网络这对“双胞胎”（按基本块的结构搭的 BN MLP），深度 4、10、18，训练步数相同（80 步）；
# 每种各在三个学习率里取最好的一个，三个种子。

# %%
degradation = cached(experiments.degradation)
for variant in experiments.VARIANTS:
    best = degradation["variants"][variant]["best"]
    print(f"{variant:>8} best lr:", best["lr"])
    print(f"{variant:>8} training loss:", [round(m, 3) for m in best["loss"]["mean"]])
    print(f"{variant:>8} diverged runs:", degradation["variants"][variant]["diverged"])
experiments.plot_degradation(degradation, lang="zh")

# %% [markdown]
# ## 2. 初始化时的梯度范数
#
# `plain_net` 与 `residual_net` 有 BN、无 BN 四种情况下每一层的权重梯度范数，每次取 64 张图片，五个种子。
# 比值是第一个卷积与最后一个卷积之比。

# %%
gradients = cached(experiments.gradients_at_init)
print("depths:", gradients["depths"])
for variant in experiments.GRAD_VARIANTS:
    print(f"{variant:>14} first/last:", [f"{m:.3g}" for m in gradients["ratio"][variant]["mean"]])
experiments.plot_gradients(gradients, lang="zh")

# %% [markdown]
# ## 3. γ 置零：初始化时的恒等映射与训练前期

# %%
zero = cached(experiments.zero_gamma)
for case, gap in zero["gaps"].items():
    print(f"{case:>24}: max |y - x| = {gap:.3g}")
for i, lr in enumerate(zero["lrs"]):
    for variant in ("default", "zero"):
        print(f"lr {lr} {variant:>7}:", [round(m, 2) for m in zero["variants"][variant][i]["mean"]])
experiments.plot_zero_gamma(zero, lang="zh")
