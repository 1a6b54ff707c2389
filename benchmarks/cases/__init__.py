"""One module per ``dlnotes`` module, each with a list ``CASES`` of ``Case``.

:func:`benchmarks.harness.discover` imports every module here and collects its ``CASES``.
"""
