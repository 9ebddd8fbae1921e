"""Figures that fit: no stored PNG is wider than the output area of JupyterLab on a 1366 px-wide screen with its
file browser open (about 900 px), so no panel, title or legend is cut off."""
import base64
import json
import struct

import pytest

from conftest import NOTEBOOKS

MAX_WIDTH = 900   # px


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return struct.unpack(">II", data[16:24])


def stored_pngs(path):
    """(cell index counted from 0, width from the PNG header, display width from the output's metadata or None)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png is not None:
                data = base64.b64decode("".join(png) if isinstance(png, list) else png)
                shown = out.get("metadata", {}).get("image/png", {}).get("width")
                yield i, png_size(data)[0], shown


def test_png_size_reads_the_header():
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 1046, 300)
    assert png_size(header + b"\x08\x06\x00\x00\x00") == (1046, 300)
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + bytes(20))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_figure_is_wider_than_the_output_area(path):
    too_wide = [f"cell {i}: {width} px" + (f" (shown at {shown} px)" if shown else "")
                for i, width, shown in stored_pngs(path) if width > MAX_WIDTH or (shown or 0) > MAX_WIDTH]
    assert not too_wide, f"figures wider than {MAX_WIDTH} px (make the figure narrower or stack the panels): {too_wide}"
