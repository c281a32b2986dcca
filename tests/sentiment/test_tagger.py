"""The bundled Tagger: what it says about plain cases, and how it behaves as an API."""

from __future__ import annotations

import json

import pytest
import torch

from sentiment import SENTIMENTS, THEMES, Tagger
from sentiment.tagger import WEIGHTS_DIR, ModelError


def test_obvious_sentiment(tagger: Tagger) -> None:
    results = tagger.tag([
        "Thank you so much, the crew were wonderful and the flight was perfect!",
        "Worst service ever. I am furious, you ruined my holiday.",
        "What time does the store on Main Street open on Sunday?",
    ])
    assert [r.sentiment for r in results] == ["positive", "negative", "neutral"]
    for result in results:
        assert set(result.sentiment_scores) == set(SENTIMENTS)
        assert sum(result.sentiment_scores.values()) == pytest.approx(1, abs=1e-3)
        assert result.sentiment == max(result.sentiment_scores, key=result.sentiment_scores.get)


def test_themes_only_when_the_text_shows_them(tagger: Tagger) -> None:
    on_hold, rude, plain = tagger.tag([
        "@AcmeAir I have been on hold for three hours and still nobody has answered my call",
        "@AcmeAir your agent was incredibly rude, laughed at me and hung up",
        "@AcmeAir my flight landed on time, see you next week",
    ])
    assert "slow_response" in on_hold.themes
    assert "lack_of_empathy" in rude.themes
    assert plain.themes == []
    assert set(plain.theme_scores) == set(THEMES)
    assert on_hold.themes == sorted(on_hold.themes, key=lambda t: -on_hold.theme_scores[t])


def test_batches_give_the_same_tags_as_single_texts(tagger: Tagger) -> None:
    texts = ["ok", "Still waiting for the refund you promised two weeks ago.",
             "Love the new app!", "x " * 400]
    together = tagger.tag(texts)
    alone = [tagger.tag([text])[0] for text in texts]
    for a, b in zip(together, alone, strict=True):
        assert a.sentiment == b.sentiment and a.themes == b.themes
        for label in SENTIMENTS:
            assert a.sentiment_scores[label] == pytest.approx(b.sentiment_scores[label], abs=2e-3)


def test_empty_input_and_output_shape(tagger: Tagger) -> None:
    assert tagger.tag([]) == []
    [result] = tagger.tag([""])
    assert json.loads(json.dumps(result.as_dict())).keys() == {
        "sentiment", "sentiment_scores", "themes", "theme_scores", "theme_evidence"}


def test_shipped_weights_are_small_safetensors_with_a_version(tagger: Tagger) -> None:
    files = sorted(p.name for p in WEIGHTS_DIR.iterdir() if p.is_file())
    assert all(p.endswith((".safetensors", ".json")) for p in files), files
    assert sum(p.stat().st_size for p in WEIGHTS_DIR.iterdir()) < 30 * 1024 * 1024
    meta = json.loads((WEIGHTS_DIR / "model.json").read_text())
    assert tagger.version == meta["version"]
    assert set(meta["thresholds"]) == set(THEMES)


def test_disabled_themes_are_neither_scored_nor_assigned_and_change_the_version(
        tagger: Tagger) -> None:
    quieter = Tagger.from_pretrained(disabled_themes=["slow_response"])
    [result] = quieter.tag(["on hold for three hours, nobody answers"])
    assert "slow_response" not in result.theme_scores and "slow_response" not in result.themes
    assert quieter.version != tagger.version
    with pytest.raises(ModelError, match="billing"):
        Tagger.from_pretrained(disabled_themes=["billing"])


def test_quantized_tagger_agrees_with_the_full_precision_one(tagger: Tagger) -> None:
    quantized = Tagger.from_pretrained(quantize=True)
    assert quantized.version.endswith("+int8")
    modules = dict(quantized.encoder.model.named_modules())
    kept = [type(modules[f"encoder.layer.0.attention.self.{name}"]) for name in ("query", "key")]
    assert kept == [torch.nn.Linear, torch.nn.Linear]  # the attention scores stay fp32
    assert type(modules["encoder.layer.0.intermediate.dense"]) is not torch.nn.Linear
    texts = ["Thank you, great service!", "You never called me back as promised.",
             "Is the shop open today?"]
    for a, b in zip(quantized.tag(texts), tagger.tag(texts), strict=True):
        assert a.sentiment == b.sentiment
        for label in SENTIMENTS:
            assert a.sentiment_scores[label] == pytest.approx(b.sentiment_scores[label], abs=0.1)


def test_a_missing_model_folder_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match="model file not found"):
        Tagger.from_pretrained(tmp_path)
