"""The digest's charts as small PNGs for email (mail clients block SVG and data URIs).

Drawn with matplotlib's Agg backend through `Figure` (no pyplot, so no global state between
threads): weeks on the x axis, counts on the y axis, the value written on the last bar (the
reported week) and a legend. Figures are built by `*_figure` functions so tests can read what
was drawn; `png` turns one into bytes, reduced to a colour palette to keep the email small.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

NEGATIVE = "#d32f2f"
NEUTRAL = "#b0bec5"
POSITIVE = "#388e3c"
UNTAGGED = "#e0e0e0"
EARLIER = "#90a4ae"
THIS_WEEK = "#d32f2f"
TEXT = "#424242"
SENTIMENT_COLOURS = {"negative": NEGATIVE, "neutral": NEUTRAL, "positive": POSITIVE,
                     "not tagged": UNTAGGED}

SCALE = 2  # pixels per CSS pixel: sharp on phone and retina screens
VOLUME_SIZE = (440, 200)  # CSS pixels, as the template shows it at most
THEME_SIZE = (300, 110)
PALETTE_COLOURS = 64


def week_tick(label: str) -> str:
    """'2026-W47' -> 'W47': the year is in the digest's heading."""
    return label.rsplit("-", 1)[-1]


def _figure(size: tuple[int, int]) -> Figure:
    figure = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100 * SCALE)
    FigureCanvasAgg(figure)
    return figure


def _style_axes(figure: Figure, weeks: Sequence[str], every: int) -> None:
    axes = figure.axes[0]
    axes.set_xticks(range(len(weeks)))
    axes.set_xticklabels([week_tick(week) if (len(weeks) - 1 - index) % every == 0 else ""
                          for index, week in enumerate(weeks)])
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True, min_n_ticks=2))
    axes.tick_params(labelsize=8, colors=TEXT, length=2)
    axes.set_ylabel("mentions", fontsize=8, color=TEXT)
    axes.grid(axis="y", color="#eeeeee", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#bdbdbd")


def _label_last_bar(figure: Figure, weeks: Sequence[str], value: int) -> None:
    axes = figure.axes[0]
    axes.annotate(str(value), (len(weeks) - 1, value), xytext=(0, 2), textcoords="offset points",
                  ha="center", va="bottom", fontsize=8, fontweight="bold", color=TEXT)
    axes.set_ylim(0, max(axes.get_ylim()[1], value * 1.25, 1))


def volume_figure(weeks: Sequence[str], series: Mapping[str, Sequence[int]]) -> Figure:
    """Stacked weekly bars, one segment per series (bottom first), the total on the last bar."""
    figure = _figure(VOLUME_SIZE)
    axes = figure.add_subplot()
    bottoms = [0] * len(weeks)
    for name, counts in series.items():
        axes.bar(range(len(weeks)), counts, bottom=bottoms, width=0.7, label=name,
                 color=SENTIMENT_COLOURS.get(name, EARLIER))
        bottoms = [base + count for base, count in zip(bottoms, counts, strict=True)]
    _style_axes(figure, weeks, every=math.ceil(len(weeks) / 12))
    _label_last_bar(figure, weeks, bottoms[-1] if bottoms else 0)
    axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=len(series),
                bbox_to_anchor=(0, 1.18), handlelength=1, columnspacing=1)
    figure.subplots_adjust(left=0.11, right=0.98, top=0.85, bottom=0.13)
    return figure


def theme_figure(weeks: Sequence[str], counts: Sequence[int]) -> Figure:
    """A theme's weekly counts: earlier weeks muted, the reported week highlighted and labelled."""
    figure = _figure(THEME_SIZE)
    axes = figure.add_subplot()
    last = len(weeks) - 1
    axes.bar(range(last), counts[:last], width=0.7, color=EARLIER, label="earlier weeks")
    axes.bar([last], counts[last:], width=0.7, color=THIS_WEEK, label="this week")
    _style_axes(figure, weeks, every=max(4, math.ceil(len(weeks) / 4)))
    _label_last_bar(figure, weeks, counts[-1] if counts else 0)
    axes.legend(loc="upper left", fontsize=7, frameon=False, ncols=2, bbox_to_anchor=(0, 1.25),
                handlelength=1, columnspacing=1)
    figure.subplots_adjust(left=0.14, right=0.98, top=0.78, bottom=0.2)
    return figure


def png(figure: Figure) -> bytes:
    """The figure as a palette PNG (a tenth of the RGBA size, no visible loss for flat charts)."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba())
    palette = image.convert("RGB").quantize(PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def volume_chart(weeks: Sequence[str], series: Mapping[str, Sequence[int]]) -> bytes:
    return png(volume_figure(weeks, series))


def theme_chart(weeks: Sequence[str], counts: Sequence[int]) -> bytes:
    return png(theme_figure(weeks, counts))
