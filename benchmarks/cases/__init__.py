"""One module per ``dlnotes`` module, named after it, each declaring its cases as data.

A module here declares ``PAGE`` (the question page it serves, e.g. ``"batch-norm"``) and
``OPS``, a list of :class:`benchmarks.harness.Op`. :func:`benchmarks.harness.discover` imports
every module here and expands each ``Op`` into one case per mode.
"""
