"""Sentiment and complaint-theme tagging: text in, labels out. Knows nothing of storage.

The label names load at once; the model classes (and with them torch and transformers) load on
first use, so reading the theme names costs nothing.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sentiment.labels import SENTIMENTS, THEMES

if TYPE_CHECKING:
    from sentiment.custom import ThemeDefinition
    from sentiment.tagger import ModelError, Tagger, TagResult

_LAZY = {"ThemeDefinition": "sentiment.custom", "ModelError": "sentiment.tagger",
         "Tagger": "sentiment.tagger", "TagResult": "sentiment.tagger"}

__all__ = ["SENTIMENTS", "THEMES", "ModelError", "TagResult", "Tagger", "ThemeDefinition"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sentiment' has no attribute {name!r}")
