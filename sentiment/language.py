"""Offline language detection (py3langid) tuned for short social-media text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

UNDETERMINED = "und"
MIN_LETTERS = 12  # fewer letters than this (after removing handles and links): too short to tell
SURE = 0.5  # normalised probability above which a detected unsupported language is believed

# py3langid labels English tweets full of dates and names as Nigerian Pidgin ("pcm"), an
# English-based creole; we read it as English rather than refuse to tag it.
ALIASES = {"pcm": "en"}

_NOISE = re.compile(r"@\w+|https?://\S+|www\.\S+|[#\d_]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1 where there is one, or "und"
    supported: bool


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str, supported: Sequence[str] = ("en",)) -> Language:
    """The language of `text`, and whether it is one of `supported`.

    Text too short to identify is "und" and counts as supported: a one-word reply gets
    tagged. Otherwise the top-ranked language is taken; when the detector is unsure and a
    supported language is among its top three guesses, that one is taken instead.
    """
    cleaned = _NOISE.sub(" ", text)
    if len(_LETTER.findall(cleaned)) < MIN_LETTERS:
        return Language(UNDETERMINED, True)
    ranked = [(ALIASES.get(code, code), p) for code, p in _identifier().rank(cleaned)[:3]]
    top, probability = ranked[0]
    if top in supported:
        return Language(top, True)
    if probability < SURE:
        for code, _ in ranked[1:]:
            if code in supported:
                return Language(code, True)
    if top == "zxx":  # "no linguistic content"
        return Language(UNDETERMINED, True)
    return Language(top, False)
