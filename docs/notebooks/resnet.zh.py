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
# **自己运行**（Python ≥ 3.11）：[在 Colab 中打开][colab]，或者用页面顶部的下载按钮下载这个 notebook
# （`.ipynb`，含运行结果），在 Jupyter 中打开。第一个代码单元会从代码仓库安装本包及其 `experiments`
# 附加依赖，也就是 scikit-learn（自带 digits 手写数字数据）和 matplotlib（画图）：
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"
#
# Colab 已经自带 PyTorch。在自己的 Jupyter 里，如果还没有 PyTorch，这一行会从 PyPI 一并装上；
# Linux 上装的是 CUDA 版，要下载好几个 GB。没有 GPU 的话，先装 CPU 版：
# `pip install torch --index-url https://download.pytorch.org/whl/cpu`。
#
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/resnet.zh.ipynb

# %% tags=["skip-execution"]
# 把 dlnotes 及其 experiments 附加依赖装进当前内核的环境（网站构建时已经装好，会跳过这个单元）。
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import resnet as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. 退化问题
#
# 普通网络与残差网络这对“双胞胎”（按基本块的结构搭的 BN MLP），深度 4、18、34，每个都按完整的学习率计划训练 300 步
# （前 15 步预热，然后在一半和四分之三处把学习率除以 10）；每种各在三个学习率里取最好的一个，五个种子。
# 固定预算时，越深的普通网络收敛得越慢；18 层普通网络在学习率第一次下降时还在快速下降（见各阶段的平均损失）。

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
#
# 另外给出 18 层残差网络初始 logits 的标准差：默认 γ = 1 时很大，γ 置零时约为 1。

# %%
zero = cached(experiments.zero_gamma)
for case, gap in zero["gaps"].items():
    print(f"{case:>24}: max |y - x| = {gap:.3g}")
for variant, stds in zero["logit_std"].items():
    print(f"initial logit std, {variant:>7}:", [round(v, 2) for v in stds])
for i, lr in enumerate(zero["lrs"]):
    for variant in ("default", "zero"):
        print(f"lr {lr} {variant:>7}:", [round(m, 2) for m in zero["variants"][variant][i]["mean"]])
experiments.plot_zero_gamma(zero, lang="zh")
