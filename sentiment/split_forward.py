"""Running a BERT-style encoder in two parts: frozen lower layers, then the layers we tune.

Training caches the output of the frozen lower layers once per text and then runs only the top
layers each step, which makes CPU fine-tuning affordable. Inference never uses this module: the
tuned layers are loaded into the ordinary Hugging Face model. A test checks both paths agree.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from sentiment.encoder import mean_pool


def additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(batch, seq) 0/1 mask as the (batch, 1, 1, seq) additive mask BERT layers take."""
    blocked = (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
    return blocked


def layers_of(model: nn.Module) -> nn.ModuleList:
    layers = model.encoder.layer  # type: ignore[union-attr]
    assert isinstance(layers, nn.ModuleList)
    return layers


def lower_hidden(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor,
                 split: int) -> torch.Tensor:
    """Hidden states after the first `split` layers (no gradients)."""
    with torch.inference_mode():
        hidden = model.embeddings(input_ids=ids)  # type: ignore[operator]
        extended = additive_mask(mask, hidden.dtype)
        for layer in layers_of(model)[:split]:
            hidden = layer(hidden, attention_mask=extended)
            hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    return hidden


def upper_pooled(layers: Iterable[nn.Module], hidden: torch.Tensor,
                 mask: torch.Tensor) -> torch.Tensor:
    """Unit-length sentence vectors from lower-layer hidden states through `layers`."""
    extended = additive_mask(mask, hidden.dtype)
    for layer in layers:
        hidden = layer(hidden, attention_mask=extended)
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    return nn.functional.normalize(mean_pool(hidden, mask), dim=-1)
