"""Chart images for downloads and reports, drawn offline by vl-convert (imported on first use: it is large)."""

from __future__ import annotations

import json
from typing import Any

IMAGE_WIDTH = 720  # charts fill their container in the page; an image needs a width


def _sized(spec: dict[str, Any]) -> str:
    """The spec as JSON with a fixed width; dates in the inline data (DuckDB DATE columns) become ISO text."""
    sized = {**spec, "width": IMAGE_WIDTH} if spec.get("width") == "container" else spec
    return json.dumps(sized, default=str)


def build_chart_png(spec: dict[str, Any], scale: float = 2) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(_sized(spec), scale=scale)


def build_chart_svg(spec: dict[str, Any]) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(_sized(spec))
