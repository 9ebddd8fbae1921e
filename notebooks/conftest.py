"""nbval settings for the course notebooks."""


def pytest_collectstart(collector):
    """Do not compare SVG figures byte for byte: each figure's data is asserted in the notebook instead."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("image/svg+xml",)
