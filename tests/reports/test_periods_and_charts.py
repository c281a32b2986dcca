from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from reports import charts
from reports.periods import Week, last_full_week, parse_week, week_edges

LONDON = ZoneInfo("Europe/London")


def test_iso_weeks_are_parsed_and_bad_ones_named() -> None:
    assert parse_week("2026-W47") == Week(2026, 47)
    assert parse_week("2026-W47").label == "2026-W47"
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


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]], list[bytes]]:
    """Width, height, palette and rows of a palette PNG, checking every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    idat = b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc
        if kind == b"IDAT":
            idat += body
        chunks[kind] = body
        position += 12 + length
    assert kind == b"IEND"
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 3)
    plte = chunks[b"PLTE"]
    palette = [tuple(plte[i : i + 3]) for i in range(0, len(plte), 3)]
    raw = zlib.decompress(idat)
    rows = [raw[y * (width + 1) : (y + 1) * (width + 1)] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, palette, [row[1:] for row in rows]  # type: ignore[return-value]


def colour_at(png: bytes, x: int, y: int) -> tuple[int, int, int]:
    _, _, palette, rows = decode_png(png)
    return palette[rows[y][x]]


def test_sparkline_draws_bars_to_scale_with_the_last_one_highlighted() -> None:
    png = charts.sparkline([0, 5, 10], width=30, height=21)
    width, height, _, _ = decode_png(png)
    assert (width, height) == (30, 21)
    assert colour_at(png, 2, 10) == charts.BACKGROUND  # zero: no bar
    assert colour_at(png, 12, 19) == charts.MUTED  # half height bar, bottom
    assert colour_at(png, 12, 5) == charts.BACKGROUND  # ...but not at the top
    assert colour_at(png, 22, 1) == charts.ACCENT  # the tallest, last bar reaches the top


def test_stacked_bars_stack_segments_bottom_up() -> None:
    png = charts.stacked_bars([[10, 10], [0, 0]], [charts.NEGATIVE, charts.POSITIVE],
                              width=20, height=41)
    assert colour_at(png, 2, 35) == charts.NEGATIVE
    assert colour_at(png, 2, 5) == charts.POSITIVE
    assert colour_at(png, 12, 35) == charts.BACKGROUND


def test_an_absurd_chart_size_is_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        charts.sparkline([1], width=0)
