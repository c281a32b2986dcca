"""Scores used by evaluation and threshold calibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sentiment.labels import SENTIMENTS


def macro_recall(gold: Sequence[str], predicted: Sequence[str],
                 classes: Sequence[str] = SENTIMENTS) -> float:
    """Mean over the classes present in `gold` of the share of that class predicted correctly."""
    recalls = []
    for label in classes:
        total = sum(1 for g in gold if g == label)
        if total:
            hits = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label == p)
            recalls.append(hits / total)
    return sum(recalls) / len(recalls) if recalls else 0.0


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class ThemeScores:
    per_theme: dict[str, Counts] = field(default_factory=dict)
    no_theme: Counts = field(default_factory=Counts)

    @property
    def micro(self) -> Counts:
        total = Counts()
        for counts in self.per_theme.values():
            total.tp += counts.tp
            total.fp += counts.fp
            total.fn += counts.fn
        return total


def score_themes(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                 themes: Sequence[str], uncertain: Sequence[Sequence[str]] | None = None
                 ) -> ThemeScores:
    """Per-theme counts and "this message has no theme" counts.

    Pairs listed in `uncertain` (one annotator only) are skipped for that theme, and an item
    with any uncertain pair is left out of the no-theme score.
    """
    scores = ThemeScores({theme: Counts() for theme in themes})
    uncertain = uncertain or [() for _ in gold]
    for gold_set, predicted_set, skip in zip(gold, predicted, uncertain, strict=True):
        for theme in themes:
            if theme in skip:
                continue
            counts = scores.per_theme[theme]
            if theme in gold_set and theme in predicted_set:
                counts.tp += 1
            elif theme in predicted_set:
                counts.fp += 1
            elif theme in gold_set:
                counts.fn += 1
        if skip:
            continue
        gold_none = not [t for t in gold_set if t in themes]
        predicted_none = not [t for t in predicted_set if t in themes]
        if gold_none and predicted_none:
            scores.no_theme.tp += 1
        elif predicted_none:
            scores.no_theme.fp += 1
        elif gold_none:
            scores.no_theme.fn += 1
    return scores
