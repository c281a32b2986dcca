"""Theme heads: one sigmoid score per theme, each with its own threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ThemeHead:
    """Linear scores over sentence vectors for `names`, assigned above `thresholds`."""

    names: tuple[str, ...]
    weight: torch.Tensor  # (themes, dim)
    bias: torch.Tensor  # (themes,)
    thresholds: torch.Tensor  # (themes,)

    def __post_init__(self) -> None:
        count = len(self.names)
        if self.weight.shape[0] != count or self.bias.shape != (count,) or (
                self.thresholds.shape != (count,)):
            raise ValueError(f"theme head shapes do not match its {count} names")

    def scores(self, embeddings: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(embeddings @ self.weight.T.float() + self.bias.float())

    def select(self, keep: Sequence[str]) -> ThemeHead:
        """The same head restricted to the themes in `keep`."""
        index = [i for i, name in enumerate(self.names) if name in keep]
        return ThemeHead(tuple(self.names[i] for i in index), self.weight[index],
                         self.bias[index], self.thresholds[index])

    @staticmethod
    def concat(heads: Sequence[ThemeHead], dim: int) -> ThemeHead:
        if not heads:
            empty = torch.zeros(0)
            return ThemeHead((), torch.zeros(0, dim), empty, empty)
        return ThemeHead(tuple(n for h in heads for n in h.names),
                         torch.cat([h.weight.float() for h in heads]),
                         torch.cat([h.bias.float() for h in heads]),
                         torch.cat([h.thresholds.float() for h in heads]))
