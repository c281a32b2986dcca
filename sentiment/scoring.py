"""What a sentiment scorer is, apart from any one of them (the bundled head, a Hugging Face model)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch


class ModelError(RuntimeError):
    """The model files are missing or do not fit together; the message says which."""


class SentimentScorer(Protocol):
    """Turns texts (and their sentence vectors) into negative/neutral/positive probabilities."""

    name: str

    def probabilities(self, texts: Sequence[str], embeddings: torch.Tensor) -> torch.Tensor: ...
