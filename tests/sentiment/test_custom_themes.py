"""Custom themes from config: fitted offline from a description and examples, then cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentiment import Tagger, ThemeDefinition

BILLING = ThemeDefinition(
    "billing_error",
    "The customer was charged the wrong amount, twice, or after cancelling.",
    ("charged me twice this month", "still billing me after I cancelled",
     "my bill is double what I signed up for", "hidden fees on my invoice",
     "refund the overcharge on my account", "you took two payments for one order"),
)


def test_a_custom_theme_tags_new_wordings_and_leaves_others_alone(tmp_path: Path) -> None:
    tagger = Tagger.from_pretrained(custom_themes=[BILLING], cache_dir=tmp_path)
    assert tagger.fitted_custom_themes == ["billing_error"]
    assert "billing_error" in tagger.theme_names
    hits = tagger.tag(["@AcmeTel you charged my card twice for the same month, fix it",
                       "why am I still being billed? I cancelled in March"])
    misses = tagger.tag(["the new phone looks great", "my flight to Boston is delayed",
                         "on hold for an hour and nobody answered"])
    assert all("billing_error" in r.themes for r in hits), [r.theme_scores for r in hits]
    assert not any("billing_error" in r.themes for r in misses), [r.theme_scores for r in misses]
    assert "+themes-" in tagger.version


def test_the_fitted_head_is_cached_until_the_definition_changes(tmp_path: Path) -> None:
    first = Tagger.from_pretrained(custom_themes=[BILLING], cache_dir=tmp_path)
    again = Tagger.from_pretrained(custom_themes=[BILLING], cache_dir=tmp_path)
    assert first.fitted_custom_themes == ["billing_error"] and again.fitted_custom_themes == []
    text = ["double charged again"]
    assert first.tag(text)[0].theme_scores == again.tag(text)[0].theme_scores
    assert first.version == again.version
    changed = ThemeDefinition(BILLING.name, BILLING.description,
                              (*BILLING.examples, "they billed me for a plan I never ordered"))
    refitted = Tagger.from_pretrained(custom_themes=[changed], cache_dir=tmp_path)
    assert refitted.fitted_custom_themes == ["billing_error"]
    assert refitted.version != first.version
    assert len(list((tmp_path / "themes").glob("billing_error-*.safetensors"))) == 2


def test_custom_themes_need_five_examples_and_unique_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least five examples"):
        ThemeDefinition("late_delivery", "The parcel arrived late.", ("late", "very late"))
    with pytest.raises(ValueError, match="defined twice"):
        Tagger.from_pretrained(custom_themes=[BILLING, BILLING], cache_dir=tmp_path)
