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
# # SGD 及其改进：实验
#
# [SGD 一页](../../sgd/)的六组实验，从头跑到尾。每个实验函数返回普通的数字（一个 dict），
# 每个 `plot_*` 函数画出页面上的那张图。优化器、学习率调度和早停都来自 `dlnotes.optim`，
# 与 `torch.optim` 逐位一致。全部固定随机种子，只用一个 CPU 线程。
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
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/sgd.zh.ipynb

# %% tags=["skip-execution"]
# 把 dlnotes 及其 experiments 附加依赖装进当前内核的环境（网站构建时已经装好，会跳过这个单元）。
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import sgd as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Rosenbrock 函数和病态二次函数上的优化轨迹
#
# 每个优化器的学习率取网格中 300 步后损失最低的那个；网格足够宽，最优学习率都严格落在网格内部。
# 二次函数有两种摆法：旋转 45°（`quadratic`）和与坐标轴对齐（`aligned`）；后者按坐标缩放就能消除病态，
# 会让自适应方法显得更好。

# %%
traj = cached(experiments.trajectories)
for key, data in traj["functions"].items():
    print(key)
    for name in experiments.OPTIMIZERS:
        print(f"  {name:>9}: lr {data['best_lr'][name]:<9g} final f {data['losses'][name][-1]:.2e}")
experiments.plot_trajectories(traj, lang="zh")

# %% [markdown]
# ## 2. 鞍点
#
# 普通梯度下降在 f = x² − y² + y⁴/4 上从 (1, y₀) 出发：y₀ = 0 时停在鞍点。

# %%
saddle = cached(experiments.saddle)
for key, run in saddle["runs"].items():
    print(f"{key:>6}: final y {run['y'][-1]:+.4f}, f {run['f'][-1]:+.4f}")
print("steps to escape:", dict(zip(saddle["y0s"], saddle["escape_steps"], strict=True)))
experiments.plot_saddle(saddle, lang="zh")

# %% [markdown]
# ## 3. 手写数字上的数据顺序
#
# softmax 回归，批量 16，学习率 0.3，每种顺序 10 个随机种子；每个种子各自抽取初始权重，
# 所以即使按类别排序也是 10 次不同的运行。轮数从 1 开始计。

# %%
order = cached(experiments.data_order)
for name, stats in order["orders"].items():
    means = {epoch: round(m, 3) for epoch, m in enumerate(stats["test_acc"]["mean"], start=1)}
    print(f"{name:>11} test accuracy by epoch:", means)
experiments.plot_data_order(order, lang="zh")

# %% [markdown]
# ## 4. 30% 标签噪声下的早停
#
# 耐心值 1 和 3 分别盯着验证集损失；停止时恢复最优权重。
# 与图中一样，轮数从 1 开始计：（停止轮次，最优轮次，恢复后的测试准确率）。

# %%
stopping = cached(experiments.early_stopping)
for run in stopping["runs"]:
    stops = {
        p: (s["stop_epoch"] + 1, s["best_epoch"] + 1, round(s["restored_test_acc"], 3))
        for p, s in run["stops"].items()
    }
    print(f"seed {run['seed']}: final test acc {run['test_acc'][-1]:.3f};", stops)
experiments.plot_early_stopping(stopping, lang="zh")

# %% [markdown]
# ## 5. 固定学习率与衰减学习率：噪声平台
#
# 20 个种子，每个种子按每轮打乱和有放回抽样各跑一遍。每个固定学习率的平台除以小学习率理论值
# η tr(C)/4：有放回抽样时约为 1；每轮打乱时，较小学习率下低于 1。

# %%
floor = cached(experiments.noise_floor)
for order, floors in floor["floors"].items():
    for run, values in floors.items():
        ratios = [f / t for f, t in zip(values, floor["theory"][run], strict=True)]
        mean = sum(ratios) / len(ratios)
        print(f"{order:>11} {run}: floor / theory {mean:.2f} (min {min(ratios):.2f})")
cosine = floor["final"]["reshuffle"]["cosine"]
print(f"cosine, reshuffled: final excess loss {sum(cosine) / len(cosine):.1e}")
experiments.plot_noise_floor(floor, lang="zh")


# %% [markdown]
# ## 6. 最终损失随学习率的变化
#
# Rosenbrock 函数，8 个随机起点，梯度噪声 σ = 1：网格上每个学习率下 300 步后 f 的中位数（`None`：有起点发散）。

# %%
sweep = cached(experiments.lr_sweep)
medians = experiments.sweep_medians(sweep)
for name in experiments.OPTIMIZERS:
    values = [f"{m:.1e}" if m is not None else "None" for m in medians[name]]
    print(f"{name:>9}:", " ".join(values))
experiments.plot_lr_sweep(sweep, lang="zh")
