"""Small SVG charts drawn on the server: bars per day, stacked by series, and sparklines.

Charts scale with their container (viewBox, width 100% in CSS); colours come from CSS classes, so
the page's Content-Security-Policy needs no inline styles. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, AXIS = 640, 180, 1


def stacked_bars(days: Sequence[str], series: Mapping[str, Sequence[int]], label: str) -> Markup:
    """One bar per day, its series stacked bottom-up in the order given; class `s-NAME` colours each."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = max(totals, default=0) or 1
    plot = HEIGHT - AXIS
    step = WIDTH / max(len(days), 1)
    gap = min(step * 0.2, 4)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(label)}" preserveAspectRatio="none">']
    parts.append(f'<line class="axis" x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}"/>')
    for index, day in enumerate(days):
        y = float(plot)
        for name, values in series.items():
            value = values[index]
            if not value:
                continue
            height = value / top * (plot - 4)
            y -= height
            parts.append(
                f'<rect class="s-{escape(name)}" x="{index * step + gap / 2:.1f}" y="{y:.1f}" '
                f'width="{step - gap:.1f}" height="{height:.1f}"><title>{escape(day)}: {value} '
                f'{escape(name)}</title></rect>')
    parts.append("</svg>")
    ticks = [days[i][5:] for i in sorted({0, len(days) // 2, len(days) - 1})] if days else []
    # Labels are HTML, not SVG text: the bars stretch to the width, text must not.
    parts.append('<div class="ticks">' + "".join(f"<span>{escape(t)}</span>" for t in ticks)
                 + f'</div><figcaption>busiest day: {max(totals, default=0)}</figcaption>')
    parts.insert(0, '<figure class="bars">')
    parts.append("</figure>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text above is escaped


def sparkline(values: Sequence[int], label: str) -> Markup:
    """A small line of daily counts, for tables."""
    width, height = 120, 28
    top = max(values, default=0) or 1
    step = width / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - v / top * (height - 4):.1f}"
                      for i, v in enumerate(values))
    return Markup(  # noqa: S704 - only numbers and an escaped label
        f'<svg class="spark" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        f'<polyline points="{points}"/></svg>')
