"""nbval settings for the course notebooks.

Kept at the repository's root, the only conftest.py besides tests/conftest.py: pytest imports every conftest.py as
the module `conftest`, the last one loaded wins, and the tests import their helpers `from conftest import ...`.
"""
import os


def pytest_configure(config):
    """nbval compares stored outputs: its kernels draw figures once and show no progress bar, however pytest is run
    (d2l_utils.plotting.static_outputs)."""
    if getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", False):
        os.environ["D2L_STATIC_PLOTS"] = "1"
        os.environ.pop("JPY_SESSION_NAME", None)


def pytest_collectstart(collector):
    """Do not compare SVG figures byte for byte: each figure's data is asserted in the notebook instead."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("image/svg+xml",)
