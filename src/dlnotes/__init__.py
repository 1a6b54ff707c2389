"""dlnotes: small, readable implementations behind the dlnotes interview pages.

Every public function mirrors its PyTorch counterpart (names, argument order, defaults,
state_dict keys) and is tested against it on randomized inputs.

Examples:
    >>> import dlnotes
    >>> dlnotes.__version__
    '0.1.0'
"""

__doc_zh__ = """
本站各道面试题背后的小型实现库。每个公开函数都与 PyTorch 中的对应函数同名，参数顺序和默认值
也相同，并在随机输入上与 PyTorch 逐一对照测试。
"""

# The one place the version is written: pyproject.toml reads it (setuptools dynamic metadata).
__version__ = "0.1.0"

# The API lives in the submodules (dlnotes.norm, dlnotes.conv, ...): nothing to star-import here.
__all__: list[str] = []
