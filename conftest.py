"""nbval settings for the course notebooks.

Kept at the repository's root, the only conftest.py besides tests/conftest.py: pytest imports every conftest.py as
the module `conftest`, the last one loaded wins, and the tests import their helpers `from conftest import ...`.
"""


def pytest_collectstart(collector):
    """Do not compare SVG figures byte for byte: each figure's data is asserted in the notebook instead."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("image/svg+xml",)
