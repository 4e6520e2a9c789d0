"""Draw the chart gallery (``charts.gallery``) into one PNG for docs/charts.md: ``python -m bench.gallery``."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image  # installed with Streamlit; used only by this docs tool

from charts.gallery import gallery_charts
from exports.images import build_chart_png


def render_gallery(path: Path, columns: int = 3, tile_width: int = 560) -> Path:
    """All gallery charts as one PNG grid."""
    tiles = [
        Image.open(io.BytesIO(build_chart_png({**chart.spec, "width": tile_width}, scale=1))).convert("RGB")
        for _question, _sql, chart in gallery_charts()
        if chart.spec is not None
    ]
    width, height = max(t.width for t in tiles), max(t.height for t in tiles)
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * width, rows * height), "white")
    for number, tile in enumerate(tiles):
        sheet.paste(tile, ((number % columns) * width, (number // columns) * height))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)
    return path


if __name__ == "__main__":
    print(f"wrote {render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else 'docs/charts.png'))}")
