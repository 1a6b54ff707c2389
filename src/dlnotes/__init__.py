"""dlnotes: small, readable implementations behind the dlnotes interview pages.

Every public function mirrors its PyTorch counterpart (names, argument order, defaults,
state_dict keys) and is tested against it on randomized inputs.

Examples:
    >>> import dlnotes
    >>> dlnotes.__version__
    '0.1.0'
"""

__version__ = "0.1.0"
