from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from matplotlib.colors import to_rgba
from matplotlib.text import Text
from PIL import Image

from reports import charts
from reports.periods import Week, last_full_week, parse_week, week_edges

LONDON = ZoneInfo("Europe/London")


def test_iso_weeks_are_parsed_and_bad_ones_named() -> None:
    assert parse_week("2026-W47") == Week(2026, 47)
    assert parse_week("2026-W47").label == "2026-W47"
    assert parse_week("2026-w47") == Week(2026, 47)  # as people type it
    with pytest.raises(ValueError, match="not an ISO week like 2026-W47"):
        parse_week("2026-47")
    with pytest.raises(ValueError, match="2025 has no ISO week 53"):
        parse_week("2025-W53")


def test_the_last_full_week_depends_on_the_time_zone() -> None:
    # Sunday 23:30 UTC is already Monday lunchtime in Auckland: its last full week is this one.
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert last_full_week(now, ZoneInfo("UTC")).label == "2026-W46"
    assert last_full_week(now, ZoneInfo("Pacific/Auckland")).label == "2026-W47"


def test_week_edges_follow_local_midnight_across_a_clock_change() -> None:
    weeks, edges = week_edges(Week(2026, 44), 2, LONDON)
    assert [w.label for w in weeks] == ["2026-W43", "2026-W44"]
    # Monday 19 October 00:00 BST is 23:00 UTC the day before; clocks go back on 25 October.
    assert edges[0] == datetime(2026, 10, 18, 23, 0)
    assert edges[1] == datetime(2026, 10, 26, 0, 0)
    assert (edges[1] - edges[0]).total_seconds() == 169 * 3600
    assert edges[2] == datetime(2026, 11, 2, 0, 0)


WEEKS = [f"2026-W{number}" for number in range(40, 48)]
SERIES = {"negative": [1, 1, 1, 1, 1, 1, 2, 8], "neutral": [6, 6, 6, 6, 6, 6, 5, 2],
          "positive": [2, 2, 2, 2, 2, 2, 2, 1]}


def texts(items: list[Text]) -> list[str]:
    return [item.get_text() for item in items]


def test_the_volume_chart_has_weeks_counts_the_last_total_and_a_legend() -> None:
    figure = charts.volume_figure(WEEKS, SERIES)
    (axes,) = figure.axes
    assert texts(axes.get_xticklabels()) == ["W40", "W41", "W42", "W43", "W44", "W45", "W46", "W47"]
    assert axes.get_ylabel() == "mentions"
    assert all(float(tick).is_integer() for tick in axes.get_yticks())
    assert texts(axes.get_legend().get_texts()) == ["negative", "neutral", "positive"]
    assert texts(axes.texts) == ["11"]  # the reported week's total, written on its bar
    assert axes.texts[0].xy == (7, 11)
    negative, neutral, positive = axes.containers
    assert [bar.get_height() for bar in negative] == SERIES["negative"]
    assert [bar.get_y() for bar in positive] == [7, 7, 7, 7, 7, 7, 7, 10]  # stacked on the others


def test_a_theme_chart_highlights_and_labels_the_reported_week() -> None:
    figure = charts.theme_figure(WEEKS, [0, 2, 1, 3, 2, 2, 1, 9])
    (axes,) = figure.axes
    earlier, this_week = axes.containers
    assert [bar.get_height() for bar in earlier] == [0, 2, 1, 3, 2, 2, 1]
    assert [bar.get_height() for bar in this_week] == [9]
    assert this_week[0].get_facecolor() == to_rgba(charts.THIS_WEEK)
    assert {bar.get_facecolor() for bar in earlier} == {to_rgba(charts.EARLIER)}
    assert texts(axes.get_legend().get_texts()) == ["earlier weeks", "this week"]
    assert texts(axes.texts) == ["9"]
    assert texts(axes.get_xticklabels())[-1] == "W47"


def test_a_year_of_weeks_keeps_the_week_labels_readable() -> None:
    weeks = [Week(2026, 47).shifted(-offset).label for offset in range(51, -1, -1)]
    labels = [label for label in texts(charts.volume_figure(weeks, {"neutral": [1] * 52}).axes[0]
                                       .get_xticklabels()) if label]
    assert len(labels) <= 13 and labels[-1] == "W47"


def test_the_png_is_small_sharp_and_shows_the_bars_where_the_figure_put_them() -> None:
    figure = charts.volume_figure(WEEKS, SERIES)
    data = charts.png(figure)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "P"
    assert image.size == (charts.VOLUME_SIZE[0] * charts.SCALE, charts.VOLUME_SIZE[1] * charts.SCALE)
    assert len(data) < 20_000
    x, y = figure.axes[0].transData.transform((7, 4))  # inside the last week's negative segment
    red = image.convert("RGB").getpixel((round(x), image.size[1] - round(y)))
    assert max(abs(a - b) for a, b in zip(red, to_rgb_bytes(charts.NEGATIVE), strict=True)) < 24


def to_rgb_bytes(colour: str) -> tuple[int, int, int]:
    r, g, b, _ = to_rgba(colour)
    return round(r * 255), round(g * 255), round(b * 255)
