"""Splitting a text into the sentences a theme's evidence is chosen from."""

from __future__ import annotations

import re

_BREAK = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*")
MIN_WORDS = 4  # a shorter piece ("Ok.", "Why?") joins the sentence before it


def sentences(text: str) -> list[str]:
    """The sentences of `text` as written (white space trimmed), short pieces kept with their
    neighbour; a text of one sentence gives itself."""
    pieces: list[str] = []
    for piece in _BREAK.split(text.strip()):
        if not piece:
            continue
        if pieces and (len(piece.split()) < MIN_WORDS or len(pieces[-1].split()) < MIN_WORDS):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces or [text.strip()]
