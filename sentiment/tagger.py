"""The Tagger: texts in, sentiment and complaint themes out.

`Tagger.from_pretrained(...)` does all the reading, fitting and caching; `Tagger.tag(texts)` is
pure and batched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from sentiment.custom import ThemeDefinition, cached_theme_heads
from sentiment.encoder import Encoder, set_threads
from sentiment.labels import SENTIMENTS, TEXT_KINDS, THEMES, with_kind
from sentiment.scoring import ModelError, SentimentScorer
from sentiment.sentences import sentences
from sentiment.themes import ThemeHead

__all__ = ["ModelError", "SentimentScorer", "TagResult", "Tagger"]

WEIGHTS_DIR = Path(__file__).parent / "weights"
MODEL_FILE = "model.safetensors"
META_FILE = "model.json"


@dataclass(frozen=True)
class TagResult:
    sentiment: str
    sentiment_scores: dict[str, float]
    themes: list[str] = field(default_factory=list)
    theme_scores: dict[str, float] = field(default_factory=dict)
    theme_evidence: dict[str, str] = field(default_factory=dict)  # assigned theme: its sentence

    def as_dict(self) -> dict[str, Any]:
        return {"sentiment": self.sentiment, "sentiment_scores": self.sentiment_scores,
                "themes": self.themes, "theme_scores": self.theme_scores,
                "theme_evidence": self.theme_evidence}


class LinearSentiment:
    name = "bundled"

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        if weight.shape[0] != len(SENTIMENTS):
            raise ModelError("the sentiment head must have one row per sentiment")
        self.weight, self.bias = weight.float(), bias.float()

    def probabilities(self, texts: Sequence[str], embeddings: torch.Tensor) -> torch.Tensor:
        return torch.softmax(embeddings @ self.weight.T + self.bias, dim=-1)


@dataclass
class Bundle:
    """What a model folder holds: tuned encoder layers, heads, thresholds and background."""

    meta: dict[str, Any]
    tensors: dict[str, torch.Tensor]

    @classmethod
    def read(cls, folder: Path) -> Bundle:
        meta_path, weights_path = folder / META_FILE, folder / MODEL_FILE
        for path in (meta_path, weights_path):
            if not path.is_file():
                raise ModelError(f"{path}: model file not found (run `repwatch model train`)")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelError(f"{meta_path}: not valid JSON ({exc.msg})") from exc
        return cls(meta, load_file(str(weights_path)))

    def encoder_state(self) -> dict[str, torch.Tensor]:
        prefix = "encoder."
        return {k[len(prefix):]: v.float() for k, v in self.tensors.items()
                if k.startswith(prefix)}

    def theme_head(self) -> ThemeHead:
        names = tuple(self.meta["themes"])
        thresholds = torch.tensor([self.meta["thresholds"][n] for n in names])
        return ThemeHead(names, self.tensors["themes.weight"].float(),
                         self.tensors["themes.bias"].float(), thresholds)

    def reads_kinds(self) -> bool:
        """Whether the model was trained on texts prefixed with their kind."""
        return "text_kinds" in self.meta

    def kind_thresholds(self, head: ThemeHead) -> dict[str, torch.Tensor]:
        """Per kind of text, `head`'s thresholds with the kind's own for the default themes."""
        chosen = {}
        for kind, thresholds in self.meta.get("kind_thresholds", {}).items():
            chosen[kind] = torch.tensor([thresholds.get(name, float(default)) for name, default
                                         in zip(head.names, head.thresholds, strict=True)])
        return chosen

    def sentiment(self) -> LinearSentiment:
        return LinearSentiment(self.tensors["sentiment.weight"], self.tensors["sentiment.bias"])


def load_encoder(bundle: Bundle) -> Encoder:
    """The base MiniLM with the bundle's tuned layers loaded over it."""
    encoder = Encoder.load()
    state = bundle.encoder_state()
    if state:
        missing = set(state) - set(encoder.model.state_dict())
        if missing:
            raise ModelError(f"tuned weights do not fit the base encoder: {sorted(missing)[:3]}")
        encoder.model.load_state_dict(state, strict=False)
    encoder.max_tokens = int(bundle.meta.get("max_tokens", encoder.max_tokens))
    return encoder


def _short_hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:10]


class Tagger:
    """Sentiment and complaint themes for batches of texts."""

    def __init__(self, encoder: Encoder, sentiment: SentimentScorer, themes: ThemeHead,
                 version: str, batch_size: int = 64, reads_kinds: bool = False,
                 kind_thresholds: dict[str, torch.Tensor] | None = None) -> None:
        self.encoder = encoder
        self.sentiment = sentiment
        self.themes = themes
        self.version = version
        self.batch_size = batch_size
        self.reads_kinds = reads_kinds  # texts go in after a prefix naming their kind
        self.kind_thresholds = kind_thresholds or {}
        self.fitted_custom_themes: list[str] = []  # custom heads fitted (not read from cache)

    @classmethod
    def from_pretrained(cls, path: str | Path | None = None, *,
                        sentiment_model: str | None = None,
                        custom_themes: Sequence[ThemeDefinition] = (),
                        disabled_themes: Sequence[str] = (),
                        cache_dir: str | Path | None = None, quantize: bool = False,
                        batch_size: int = 64, threads: int | None = None) -> Tagger:
        """Load the bundled model (or the folder `path`), fit or read custom themes.

        `sentiment_model` replaces the bundled sentiment head with a Hugging Face
        sequence-classification model (a hub id or a local folder).
        """
        set_threads(threads)
        unknown = sorted(set(disabled_themes) - set(THEMES))
        if unknown:
            raise ModelError(f"unknown default themes to disable: {', '.join(unknown)}")
        bundle = Bundle.read(Path(path) if path else WEIGHTS_DIR)
        encoder = load_encoder(bundle)
        base_version = str(bundle.meta["version"])
        background = bundle.tensors["background"].float()
        custom = cached_theme_heads(custom_themes, lambda texts: encoder.embed(texts, batch_size),
                                    background, base_version,
                                    Path(cache_dir) if cache_dir else None)
        if quantize:
            encoder.quantize()
        heads = [bundle.theme_head().select([t for t in THEMES if t not in disabled_themes])]
        heads += [head for head, _ in custom]
        sentiment: SentimentScorer = bundle.sentiment()
        if sentiment_model:
            from sentiment.hf_sentiment import HuggingFaceSentiment

            sentiment = HuggingFaceSentiment.load(sentiment_model)
        version = base_version
        if custom_themes or disabled_themes:
            version += "+themes-" + _short_hash(
                sorted(disabled_themes),
                [d.fingerprint(base_version) for d in custom_themes])
        if sentiment_model:
            version += "+sentiment-" + _short_hash(sentiment_model)
        if quantize:
            version += "+int8"
        head = ThemeHead.concat(heads, encoder.dim)
        tagger = cls(encoder, sentiment, head, version, batch_size, bundle.reads_kinds(),
                     bundle.kind_thresholds(head))
        tagger.fitted_custom_themes = [head.names[0] for head, fitted in custom if fitted]
        return tagger

    @property
    def theme_names(self) -> tuple[str, ...]:
        return self.themes.names

    def embed(self, texts: Sequence[str],
              progress: Callable[[int], None] | None = None) -> torch.Tensor:
        return self.encoder.embed(list(texts), self.batch_size, progress)

    def read_as(self, text: str, kind: str | None) -> str:
        """`text` as the model reads it (after its kind's prefix, for a model trained so)."""
        if kind is not None and kind not in TEXT_KINDS:
            raise ModelError(f"unknown kind of text {kind!r} (known: {', '.join(TEXT_KINDS)})")
        return with_kind(text, kind) if self.reads_kinds else text

    def thresholds(self, kinds: Sequence[str | None]) -> torch.Tensor:
        """(texts, themes) thresholds: each text's kind's own, else the shared ones."""
        shared = self.themes.thresholds.float()
        return torch.stack([self.kind_thresholds.get(kind, shared) if kind else shared
                            for kind in kinds])

    def tag(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
            kinds: Sequence[str | None] | None = None) -> list[TagResult]:
        """Sentiment, themes and each theme's evidence for each text, in input order.

        `kinds` gives each text's kind of text (`sentiment.labels.TEXT_KINDS`; None: unknown).
        """
        texts = list(texts)
        if not texts:
            return []
        kinds = list(kinds) if kinds is not None else [None] * len(texts)
        if len(kinds) != len(texts):
            raise ValueError("give one kind per text")
        embeddings = self.embed([self.read_as(t, k) for t, k in zip(texts, kinds, strict=True)],
                                progress)
        with torch.inference_mode():
            sentiment = self.sentiment.probabilities(texts, embeddings)
            scores = self.themes.scores(embeddings)
        assigned = scores >= self.thresholds(kinds)
        evidence = self.evidence(texts, kinds, assigned)
        names = self.themes.names
        results = []
        for row, (probabilities, row_scores) in enumerate(
                zip(sentiment.tolist(), scores.tolist(), strict=True)):
            theme_scores = {name: round(score, 4) for name, score in zip(names, row_scores, strict=True)}
            themes = sorted(evidence[row], key=lambda name: -theme_scores[name])
            best = max(range(len(SENTIMENTS)), key=probabilities.__getitem__)
            results.append(TagResult(
                SENTIMENTS[best],
                {label: round(p, 4) for label, p in zip(SENTIMENTS, probabilities, strict=True)},
                themes, theme_scores, {name: evidence[row][name] for name in themes}))
        return results

    def evidence(self, texts: Sequence[str], kinds: Sequence[str | None],
                 assigned: torch.Tensor) -> list[dict[str, str]]:
        """For each text, its assigned themes and the sentence that scores highest for each.

        Only texts with a theme and more than one sentence pay for it: their sentences go
        through the encoder together, in one batched pass.
        """
        names = self.themes.names
        chosen: list[dict[str, str]] = [{} for _ in texts]
        pieces: list[tuple[int, str]] = []  # (text row, sentence)
        for row in assigned.any(1).nonzero().flatten().tolist():
            split = sentences(texts[row])
            if len(split) == 1:
                chosen[row] = {names[j]: split[0] for j in assigned[row].nonzero().flatten().tolist()}
            else:
                pieces += [(row, sentence) for sentence in split]
        if not pieces:
            return chosen
        vectors = self.embed([self.read_as(sentence, kinds[row]) for row, sentence in pieces])
        with torch.inference_mode():
            scores = self.themes.scores(vectors)
        best: dict[tuple[int, int], tuple[float, str]] = {}
        for (row, sentence), row_scores in zip(pieces, scores.tolist(), strict=True):
            for j in assigned[row].nonzero().flatten().tolist():
                if (row, j) not in best or row_scores[j] > best[row, j][0]:
                    best[row, j] = (row_scores[j], sentence)
        for (row, j), (_, sentence) in best.items():
            chosen[row][names[j]] = sentence
        return chosen
