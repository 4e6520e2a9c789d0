"""A chart suggestion as the model writes it ("chart: bar x=a y=b"), read by ``analyst/parsing.py``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartHint:
    """A chart suggestion in the short form the prompt asks for."""

    mark: str
    x: str | None = None
    y: str | None = None
    color: str | None = None
