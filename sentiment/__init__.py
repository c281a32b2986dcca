"""Sentiment and complaint-theme tagging: text in, labels out. Knows nothing of storage."""

from sentiment.custom import ThemeDefinition
from sentiment.labels import SENTIMENTS, THEMES
from sentiment.tagger import ModelError, Tagger, TagResult

__all__ = ["SENTIMENTS", "THEMES", "ModelError", "TagResult", "Tagger", "ThemeDefinition"]
