"""The small chart in an alert email: one bar per day for the last two weeks, spike days in red.

Drawn with matplotlib's Agg backend (no display, no global pyplot state) as a PNG, sized so that
dates and values stay readable when a phone shows it 340 px wide.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

SPIKE = "#d32f2f"
USUAL = "#90a4ae"
INK = "#424242"
GRID = "#e0e0e0"


def _value_label(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:.0f}"


def daily_chart(
    days: Sequence[date],
    values: Sequence[float],
    spiking: Sequence[bool],
    *,
    y_label: str,
    percent: bool = False,
) -> bytes:
    """Bars of `values` (one per day of `days`), those marked `spiking` in red, each labelled
    with its value; every other date on the x axis, always the last one."""
    figure = Figure(figsize=(4.8, 2.7), dpi=150)  # 720 x 405 px
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(values))
    bars = axes.bar(positions, values, width=0.72,
                    color=[SPIKE if spike else USUAL for spike in spiking])
    axes.bar_label(bars, labels=[_value_label(v, percent) for v in values], padding=2,
                   fontsize=11, color=INK)
    last = len(days) - 1
    axes.set_xticks([i for i in positions if (last - i) % 2 == 0],
                    [f"{days[i].day}\n{days[i]:%b}" for i in positions if (last - i) % 2 == 0])
    axes.set_ylabel(y_label, fontsize=11, color=INK)
    axes.tick_params(labelsize=11, colors=INK, length=0)
    axes.margins(x=0.01)
    axes.set_ylim(0, max([*values, 0.01 if percent else 1]) * 1.2)
    if percent:
        axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    axes.grid(axis="y", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID)
    figure.tight_layout(pad=0.4)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
