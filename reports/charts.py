"""Small PNG charts for email (mail clients block SVG and data URIs), drawn without plotting libs.

Images are palette PNGs written by hand: an 8-bit index per pixel, rows filtered with type 0,
compressed with zlib. Good enough for bars, which is all a digest needs.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

Colour = tuple[int, int, int]

BACKGROUND: Colour = (255, 255, 255)
MUTED: Colour = (176, 190, 197)
ACCENT: Colour = (211, 47, 47)
NEGATIVE: Colour = (211, 47, 47)
NEUTRAL: Colour = (176, 190, 197)
POSITIVE: Colour = (56, 142, 60)
AXIS: Colour = (224, 224, 224)


class Canvas:
    def __init__(self, width: int, height: int, palette: Sequence[Colour]) -> None:
        if not 0 < width <= 4096 or not 0 < height <= 4096:
            raise ValueError(f"chart size {width}x{height} is out of range")
        self.width, self.height = width, height
        self.palette = list(palette)
        self.pixels = bytearray(width * height)  # palette index 0 everywhere

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: int) -> None:
        """Fill the rectangle [x0, x1) x [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 >= x1:
            return
        row = bytes([colour]) * (x1 - x0)
        for y in range(y0, y1):
            start = y * self.width + x0
            self.pixels[start : start + len(row)] = row

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width : (y + 1) * self.width])
            for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 3, 0, 0, 0)
        palette = b"".join(bytes(colour) for colour in self.palette)
        return b"".join((
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", palette),
            _chunk(b"IDAT", zlib.compress(raw, 9)),
            _chunk(b"IEND", b""),
        ))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _bar_geometry(count: int, width: int) -> tuple[int, int]:
    slot = max(1, width // max(count, 1))
    return slot, max(1, slot - max(1, slot // 4))


def sparkline(values: Sequence[int], width: int = 120, height: int = 28) -> bytes:
    """Bars for a theme's weekly counts; the last (the reported week) in the accent colour."""
    canvas = Canvas(width, height, [BACKGROUND, MUTED, ACCENT, AXIS])
    canvas.fill(0, height - 1, width, height, 3)
    peak = max(values, default=0)
    slot, bar = _bar_geometry(len(values), width)
    for index, value in enumerate(values):
        if value <= 0 or peak == 0:
            continue
        top = height - 1 - max(1, round(value / peak * (height - 2)))
        colour = 2 if index == len(values) - 1 else 1
        canvas.fill(index * slot, top, index * slot + bar, height - 1, colour)
    return canvas.png()


def stacked_bars(
    stacks: Sequence[Sequence[int]], colours: Sequence[Colour], width: int = 360, height: int = 90
) -> bytes:
    """One bar per period, split into segments drawn bottom-up in `colours` order."""
    canvas = Canvas(width, height, [BACKGROUND, AXIS, *colours])
    canvas.fill(0, height - 1, width, height, 1)
    peak = max((sum(stack) for stack in stacks), default=0)
    slot, bar = _bar_geometry(len(stacks), width)
    for index, stack in enumerate(stacks):
        if peak == 0:
            break
        bottom = height - 1
        running = 0
        for segment, value in enumerate(stack):
            running += value
            top = height - 1 - round(running / peak * (height - 2))
            canvas.fill(index * slot, top, index * slot + bar, bottom, 2 + segment)
            bottom = top
    return canvas.png()
