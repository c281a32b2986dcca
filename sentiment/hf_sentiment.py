"""A Hugging Face sequence-classification model in place of the bundled sentiment head."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from sentiment.encoder import clean_text, length_sorted_batches
from sentiment.labels import SENTIMENTS
from sentiment.scoring import ModelError

_STARS = re.compile(r"^([1-5])\s*stars?$")


def sentiment_of_label(label: str, index: int, count: int) -> str:
    """Which of our sentiments a model's output label means.

    Names containing neg/neu/pos (or 1-5 stars) say it; generic LABEL_i names are read in the
    usual order: negative, neutral, positive for three labels, negative, positive for two.
    """
    name = label.strip().lower()
    for sentiment in SENTIMENTS:
        if name.startswith(sentiment[:3]) or name == sentiment:
            return sentiment
    stars = _STARS.match(name)
    if stars:
        value = int(stars.group(1))
        return "negative" if value <= 2 else "neutral" if value == 3 else "positive"
    if re.fullmatch(r"label_\d+", name):
        if count == 3:
            return SENTIMENTS[index]
        if count == 2:
            return ("negative", "positive")[index]
    raise ModelError(f"cannot tell which sentiment the model label {label!r} means; "
                     "name the labels negative/neutral/positive in the model's config")


class HuggingFaceSentiment:
    name = "huggingface"

    def __init__(self, tokenizer: Any, model: Any, batch_size: int = 32,
                 max_tokens: int = 256) -> None:
        self.tokenizer = tokenizer
        self.model = model.eval()
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        labels = model.config.id2label
        count = int(model.config.num_labels)
        mapping = torch.zeros(count, len(SENTIMENTS))
        for index in range(count):
            target = sentiment_of_label(str(labels.get(index, f"LABEL_{index}")), index, count)
            mapping[index, SENTIMENTS.index(target)] = 1.0
        self.mapping = mapping

    @classmethod
    def load(cls, name_or_path: str) -> HuggingFaceSentiment:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        local = Path(name_or_path).expanduser()
        looks_local = name_or_path.startswith(("/", ".", "~")) or name_or_path.count("/") > 1
        if looks_local and not local.is_dir():
            raise ModelError(f"cannot load sentiment model {name_or_path!r}: folder not found")
        source = str(local) if local.exists() else name_or_path
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local.exists())
            model = AutoModelForSequenceClassification.from_pretrained(
                source, local_files_only=local.exists())
        except OSError as exc:
            raise ModelError(f"cannot load sentiment model {name_or_path!r}: {exc}") from exc
        return cls(tokenizer, model)

    def probabilities(self, texts: Sequence[str], embeddings: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(len(texts), len(SENTIMENTS))
        cleaned = [clean_text(t) for t in texts]
        lengths = [len(t) for t in cleaned]
        with torch.inference_mode():
            for batch in length_sorted_batches(lengths, self.batch_size):
                encoded = self.tokenizer([cleaned[i] for i in batch], padding=True,
                                         truncation=True, max_length=self.max_tokens,
                                         return_tensors="pt")
                logits = self.model(**encoded).logits.float()
                out[batch] = torch.softmax(logits, dim=-1) @ self.mapping
        return out
