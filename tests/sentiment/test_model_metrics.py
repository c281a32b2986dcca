"""Scores used by evaluation and threshold calibration."""

from __future__ import annotations

import pytest

from sentiment.metrics import macro_recall, score_themes


def test_macro_recall_averages_per_class_recall() -> None:
    gold = ["negative", "negative", "neutral", "positive", "positive", "positive"]
    predicted = ["negative", "neutral", "neutral", "positive", "negative", "negative"]
    # negative 1/2, neutral 1/1, positive 1/3
    assert macro_recall(gold, predicted) == pytest.approx((0.5 + 1 + 1 / 3) / 3)


def test_macro_recall_over_two_classes_counts_neutral_as_a_miss() -> None:
    gold = ["negative", "positive", "positive"]
    predicted = ["neutral", "positive", "neutral"]
    assert macro_recall(gold, predicted, ("negative", "positive")) == pytest.approx(0.25)


def test_theme_scores_skip_uncertain_pairs_and_count_no_theme() -> None:
    themes = ["slow_response", "hard_to_reach"]
    gold = [["slow_response"], [], [], ["hard_to_reach"]]
    predicted = [["slow_response", "hard_to_reach"], [], ["slow_response"], []]
    uncertain = [["hard_to_reach"], [], [], []]
    scores = score_themes(gold, predicted, themes, uncertain)
    slow = scores.per_theme["slow_response"]
    assert (slow.tp, slow.fp, slow.fn) == (1, 1, 0)
    reach = scores.per_theme["hard_to_reach"]
    assert (reach.tp, reach.fp, reach.fn) == (0, 0, 1)  # the uncertain pair is not a false positive
    assert scores.micro.precision == pytest.approx(0.5)
    assert scores.micro.recall == pytest.approx(0.5)
    # item 0 has an uncertain pair: left out; item 1 right; item 3 predicted none wrongly
    assert (scores.no_theme.tp, scores.no_theme.fp, scores.no_theme.fn) == (1, 1, 1)
    assert scores.no_theme.precision == pytest.approx(0.5)
