"""Linear heads over sentence vectors, and how to fit them (plain torch, deterministic)."""

from __future__ import annotations

import torch
from torch import nn


def fit_linear(features: torch.Tensor, targets: torch.Tensor, *, multilabel: bool,
               l2: float = 1e-3, sample_weight: torch.Tensor | None = None,
               max_iter: int = 200) -> nn.Linear:
    """Logistic regression by full-batch L-BFGS.

    `targets` holds class indices (softmax) or, with `multilabel`, a 0/1 matrix (one sigmoid
    per column). `l2` penalises the weights (not the bias), scaled per example.
    """
    features = features.float()
    outputs = targets.shape[1] if multilabel else int(targets.max().item()) + 1
    layer = nn.Linear(features.shape[1], outputs)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    weight = torch.ones(len(features)) if sample_weight is None else sample_weight.float()
    weight = weight / weight.sum()
    optimizer = torch.optim.LBFGS(layer.parameters(), lr=1, max_iter=max_iter,
                                  history_size=20, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        logits = layer(features)
        if multilabel:
            losses = nn.functional.binary_cross_entropy_with_logits(
                logits, targets.float(), reduction="none").sum(1)
        else:
            losses = nn.functional.cross_entropy(logits, targets.long(), reduction="none")
        loss = (losses * weight).sum() + l2 * layer.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return layer.requires_grad_(False)


def balanced_weights(labels: torch.Tensor) -> torch.Tensor:
    """Per-example weights that give every class the same total weight."""
    counts = torch.bincount(labels.long()).float()
    return (1.0 / counts.clamp(min=1))[labels.long()]
