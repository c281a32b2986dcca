"""Custom themes from config: a description and example phrases become a fitted head.

Fitting is offline and takes seconds: the examples and the description are the positives, the
background vectors shipped with the model (cluster centres of ordinary customer messages) and
the other custom themes' examples are the negatives. The head is cached under the cache folder,
keyed by a fingerprint of the definition and the model version, so it is refitted only when
either changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from sentiment.heads import fit_linear
from sentiment.themes import ThemeHead

Embed = Callable[[Sequence[str]], torch.Tensor]
CUSTOM_L2 = 1e-3
CACHE_FORMAT = 1


@dataclass(frozen=True)
class ThemeDefinition:
    name: str
    description: str
    examples: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.examples) < 5:
            raise ValueError(f"custom theme {self.name!r} needs at least five examples")

    def fingerprint(self, model_version: str) -> str:
        payload = json.dumps([CACHE_FORMAT, model_version, self.name, self.description,
                              list(self.examples)], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def _fit(positives: torch.Tensor, negatives: torch.Tensor) -> torch.nn.Linear:
    features = torch.cat([positives, negatives])
    targets = torch.cat([torch.ones(len(positives), 1), torch.zeros(len(negatives), 1)])
    weights = torch.cat([torch.full((len(positives),), 1.0 / len(positives)),
                         torch.full((len(negatives),), 1.0 / len(negatives))])
    return fit_linear(features, targets, multilabel=True, l2=CUSTOM_L2, sample_weight=weights)


def fit_theme(definition: ThemeDefinition, embed: Embed, background: torch.Tensor,
              other_examples: torch.Tensor | None = None) -> ThemeHead:
    """A one-theme head and its threshold.

    The threshold sits halfway between how the background scores (its 99th percentile) and how
    each example scores when the head is fitted without it (their median): a new message must
    look more like the examples than almost any ordinary message does.
    """
    positives = embed([*definition.examples, definition.description])
    negatives = background if other_examples is None else torch.cat([background, other_examples])
    layer = _fit(positives, negatives)
    held_out = []
    for index in range(len(definition.examples)):
        keep = [i for i in range(len(positives)) if i != index]
        partial = _fit(positives[keep], negatives)
        held_out.append(torch.sigmoid(partial(positives[index:index + 1])).item())
    background_high = torch.quantile(torch.sigmoid(layer(background)).flatten(), 0.99).item()
    examples_typical = float(torch.tensor(held_out).median())
    threshold = min(max((background_high + examples_typical) / 2, 0.2), 0.9)
    return ThemeHead((definition.name,), layer.weight.detach().clone(),
                     layer.bias.detach().clone(), torch.tensor([threshold]))


def _save(head: ThemeHead, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    save_file({"weight": head.weight.contiguous(), "bias": head.bias.contiguous(),
               "threshold": head.thresholds.contiguous()}, temporary,
              metadata={"name": head.names[0]})
    os.replace(temporary, path)


def _load(name: str, path: Path) -> ThemeHead:
    tensors = load_file(str(path))
    return ThemeHead((name,), tensors["weight"], tensors["bias"], tensors["threshold"])


def cached_theme_heads(definitions: Sequence[ThemeDefinition], embed: Embed,
                       background: torch.Tensor, model_version: str,
                       cache_dir: Path | None) -> list[tuple[ThemeHead, bool]]:
    """A head per definition, with True where it was fitted now rather than read from cache."""
    names = [d.name for d in definitions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"custom themes defined twice: {', '.join(duplicates)}")
    heads: list[tuple[ThemeHead, bool]] = []
    for definition in definitions:
        path = None
        if cache_dir is not None:
            fingerprint = definition.fingerprint(model_version)
            path = Path(cache_dir) / "themes" / f"{definition.name}-{fingerprint}.safetensors"
            if path.is_file():
                heads.append((_load(definition.name, path), False))
                continue
        others = [e for d in definitions if d.name != definition.name for e in d.examples]
        head = fit_theme(definition, embed, background, embed(others) if others else None)
        if path is not None:
            _save(head, path)
        heads.append((head, True))
    return heads
