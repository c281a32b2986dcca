"""Training runs the encoder in two parts; that must equal the ordinary Hugging Face forward."""

from __future__ import annotations

import torch

from sentiment.encoder import Encoder
from sentiment.split_forward import layers_of, lower_hidden, upper_pooled


def test_split_forward_matches_the_full_model() -> None:
    encoder = Encoder.load()
    texts = ["my flight is late again", "love it",
             "support kept me on hold for two hours and then hung up on me"]
    ids, mask = encoder.pad(encoder.tokenize(texts))
    with torch.inference_mode():
        full = encoder.forward_tokens(ids, mask)
        for split in (0, 3):
            hidden = lower_hidden(encoder.model, ids, mask, split)
            parts = upper_pooled(layers_of(encoder.model)[split:], hidden, mask)
            assert torch.allclose(full, parts, atol=1e-5)


def test_embeddings_do_not_depend_on_batching() -> None:
    encoder = Encoder.load()
    texts = ["short", "a much longer message about a refund that never arrived", "ok thanks"]
    together = encoder.embed(texts, batch_size=3)
    alone = torch.cat([encoder.embed([text], batch_size=1) for text in texts])
    assert torch.allclose(together, alone, atol=1e-5)
    assert torch.allclose(together.norm(dim=1), torch.ones(3), atol=1e-5)
