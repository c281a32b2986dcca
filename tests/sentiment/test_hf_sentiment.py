"""A Hugging Face sequence-classification model in place of the bundled sentiment head."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from sentiment import Tagger
from sentiment.encoder import base_model_path
from sentiment.hf_sentiment import HuggingFaceSentiment, sentiment_of_label
from sentiment.tagger import ModelError


@pytest.mark.parametrize(("label", "index", "count", "expected"), [
    ("NEGATIVE", 0, 2, "negative"), ("Neutral", 1, 3, "neutral"), ("pos", 2, 3, "positive"),
    ("LABEL_0", 0, 3, "negative"), ("LABEL_1", 1, 3, "neutral"), ("LABEL_1", 1, 2, "positive"),
    ("1 star", 0, 5, "negative"), ("3 stars", 2, 5, "neutral"), ("5 stars", 4, 5, "positive"),
])
def test_model_labels_map_to_our_sentiments(label: str, index: int, count: int,
                                            expected: str) -> None:
    assert sentiment_of_label(label, index, count) == expected


def test_an_unreadable_label_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="'sarcastic'"):
        sentiment_of_label("sarcastic", 0, 4)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 2-layer BERT classifier saved to a folder, with our tokenizer."""
    from transformers import BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("tiny-sentiment")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, num_labels=3,
                        id2label={0: "negative", 1: "neutral", 2: "positive"},
                        label2id={"negative": 0, "neutral": 1, "positive": 2})
    BertForSequenceClassification(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"):
        shutil.copy(base_model_path() / name, folder / name)
    return folder


def test_tagger_uses_a_local_hugging_face_model_for_sentiment(tiny_model: Path) -> None:
    texts = ["the refund never came", "thanks, all sorted", "what time do you open"]
    bundled = Tagger.from_pretrained()
    replaced = Tagger.from_pretrained(sentiment_model=str(tiny_model))
    assert replaced.version != bundled.version and "+sentiment-" in replaced.version
    direct = HuggingFaceSentiment.load(str(tiny_model)).probabilities(texts, torch.empty(0))
    results = replaced.tag(texts)
    for row, result in enumerate(results):
        assert sum(result.sentiment_scores.values()) == pytest.approx(1, abs=1e-3)
        assert [result.sentiment_scores[s] for s in ("negative", "neutral", "positive")] == (
            pytest.approx(direct[row].tolist(), abs=1e-4))
    # themes still come from the bundled heads
    assert [r.theme_scores for r in results] == [r.theme_scores for r in bundled.tag(texts)]


def test_a_missing_sentiment_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot load sentiment model"):
        HuggingFaceSentiment.load(str(tmp_path / "nowhere"))
