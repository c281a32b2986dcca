"""Measuring the tagger against the held-out sets, with baselines in the same table.

Baselines: VADER (sentiment), logistic regression on frozen MiniLM vectors (sentiment and
themes; fitted by `repwatch model train` on the same training data and shipped beside the
model), and zero-shot cosine similarity between a text and each theme's description.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file

from sentiment.data import Corpora, Example
from sentiment.encoder import Encoder
from sentiment.labels import SENTIMENTS, THEMES
from sentiment.metrics import ThemeScores, macro_recall, score_themes
from sentiment.tagger import ModelError, Tagger

OURS, LR, VADER, ZERO_SHOT = "ours", "LR on frozen MiniLM", "VADER", "zero-shot cosine"
SYSTEMS = (OURS, LR, VADER, ZERO_SHOT)
RARE = 10  # fewer positives than this in an evaluation set: too rare to judge there
Log = Callable[[str], None]


@dataclass
class Row:
    metric: str
    target: str
    values: dict[str, float]


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    themes: dict[str, ThemeScores] = field(default_factory=dict)  # per theme set, ours

    def value(self, metric: str, system: str = OURS) -> float:
        return next(row.values[system] for row in self.rows if row.metric == metric)


class Baselines:
    """The frozen encoder with logistic-regression heads, and zero-shot description vectors."""

    def __init__(self, encoder: Encoder, tensors: dict[str, torch.Tensor]) -> None:
        self.encoder = encoder
        self.tensors = {name: value.float() for name, value in tensors.items()}
        self.zero_shot_threshold = float(self.tensors["zero_shot.threshold"].item())

    @classmethod
    def load(cls, folder: Path) -> Baselines:
        path = folder / "baselines.safetensors"
        if not path.is_file():
            raise ModelError(f"{path}: baseline heads not found (run `repwatch model train`)")
        return cls(Encoder.load(), load_file(str(path)))

    def sentiment(self, embeddings: torch.Tensor) -> list[str]:
        logits = embeddings @ self.tensors["lr_sentiment.weight"].T + self.tensors[
            "lr_sentiment.bias"]
        return [SENTIMENTS[i] for i in logits.argmax(1).tolist()]

    def themes(self, embeddings: torch.Tensor) -> list[list[str]]:
        logits = embeddings @ self.tensors["lr_themes.weight"].T + self.tensors["lr_themes.bias"]
        return _above(torch.sigmoid(logits), 0.5)

    def zero_shot(self, embeddings: torch.Tensor) -> list[list[str]]:
        similarity = embeddings @ self.tensors["zero_shot.descriptions"].T
        return _above(similarity, self.zero_shot_threshold)


def _above(scores: torch.Tensor, threshold: float) -> list[list[str]]:
    return [[THEMES[j] for j in range(len(THEMES)) if row[j] >= threshold] for row in scores]


def vader_sentiment(texts: Sequence[str]) -> list[str]:
    """VADER's usual reading of the compound score: >= 0.05 positive, <= -0.05 negative."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as exc:
        raise ModelError("the VADER baseline needs vaderSentiment: pip install -e '.[dev]'") from exc
    analyzer = SentimentIntensityAnalyzer()
    labels = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        labels.append("positive" if compound >= 0.05 else "negative" if compound <= -0.05
                      else "neutral")
    return labels


def _texts(examples: Sequence[Example]) -> list[str]:
    return [e.text for e in examples]


def _sentiment_row(name: str, target: str, examples: Sequence[Example], ours: Sequence[str],
                   baselines: Baselines | None, frozen: torch.Tensor | None,
                   classes: Sequence[str] = SENTIMENTS) -> Row:
    gold = [str(e.sentiment) for e in examples]
    values = {OURS: macro_recall(gold, ours, classes)}
    if baselines is not None and frozen is not None:
        values[LR] = macro_recall(gold, baselines.sentiment(frozen), classes)
        values[VADER] = macro_recall(gold, vader_sentiment(_texts(examples)), classes)
    return Row(name, target, values)


def _theme_rows(label: str, f1_target: str, none_target: str, examples: Sequence[Example],
                ours: Sequence[Sequence[str]], baselines: Baselines | None,
                frozen: torch.Tensor | None) -> tuple[list[Row], ThemeScores]:
    gold = [e.themes or () for e in examples]
    uncertain = [e.uncertain for e in examples]
    systems = {OURS: ours}
    if baselines is not None and frozen is not None:
        systems[LR] = baselines.themes(frozen)
        systems[ZERO_SHOT] = baselines.zero_shot(frozen)
    scores = {name: score_themes(gold, predicted, THEMES, uncertain)
              for name, predicted in systems.items()}
    rows = [
        Row(f"{label}: theme micro-F1", f1_target,
            {name: s.micro.f1 for name, s in scores.items()}),
        Row(f"{label}: 'no theme' precision", none_target,
            {name: s.no_theme.precision for name, s in scores.items()}),
    ]
    return rows, scores[OURS]


def evaluate(tagger: Tagger, corpora: Corpora, baselines: Baselines | None = None,
             log: Log = print) -> Report:
    """Every metric of the issue on the held-out sets, ours beside the baselines.

    Each text is tagged as its kind (tweets as social posts, reviews as reviews, app reviews
    as app reviews), as the pipeline tags a mention by its source.
    """
    sets = {
        **{f"semeval {split}": examples for split, examples in corpora.semeval_eval.items()},
        "trustpilot": corpora.trustpilot_eval,
        "uci": corpora.uci, "dev": [e for e in corpora.themes_dev if e.sentiment or e.themes
                                    is not None],
        "reviews": corpora.reviews_eval, "apps": corpora.apps_dev,
    }
    ours = {}
    frozen: dict[str, torch.Tensor | None] = {}
    for name, examples in sets.items():
        log(f"tagging {name} ({len(examples)} texts)")
        ours[name] = tagger.tag(_texts(examples), kinds=[e.kind for e in examples])
        frozen[name] = baselines.encoder.embed(_texts(examples)) if baselines else None
    report = Report()

    def sentiment_row(metric: str, target: str, name: str,
                      classes: Sequence[str] = SENTIMENTS) -> Row:
        # Items without an agreed sentiment are skipped.
        rows = [i for i, e in enumerate(sets[name]) if e.sentiment]
        vectors = frozen[name]
        return _sentiment_row(metric, target, [sets[name][i] for i in rows],
                              [ours[name][i].sentiment for i in rows], baselines,
                              vectors[rows] if vectors is not None else None, classes)

    for split in corpora.semeval_eval:
        report.rows.append(sentiment_row(
            f"SemEval {split} tweets: sentiment macro recall",
            ">= 0.66" if split == "2016devtest" else "", f"semeval {split}"))
    report.rows.append(sentiment_row(
        "Trustpilot balanced sample: sentiment macro recall", ">= 0.75", "trustpilot"))
    report.rows.append(sentiment_row(
        "Customer tweets (themes dev): sentiment macro recall", "", "dev"))
    if sets["apps"]:
        report.rows.append(sentiment_row(
            "App reviews (dev_apps): sentiment macro recall", ">= 0.78", "apps"))
    report.rows.append(sentiment_row(
        "UCI review sentences (neg/pos): macro recall", "", "uci",
        classes=("negative", "positive")))
    for name, label, f1_target, none_target in (
            ("dev", "Themes dev (tweets)", ">= 0.68", ">= 0.90"),
            ("apps", "Themes dev_apps (app reviews)", ">= 0.65", ">= 0.90"),
            ("reviews", "Themes held-out reviews", ">= 0.62", "")):
        if not sets[name]:
            continue
        rows, scores = _theme_rows(label, f1_target, none_target, sets[name],
                                   [r.themes for r in ours[name]], baselines, frozen[name])
        report.rows += rows
        report.themes[label] = scores
    return report


def format_report(report: Report) -> list[list[str]]:
    """The main table as rows of cells: metric, target, then each system (— where not run)."""
    table = [["metric", "target", *SYSTEMS]]
    for row in report.rows:
        cells = [f"{row.values[s]:.3f}" if s in row.values else "—" for s in SYSTEMS]
        table.append([row.metric, row.target or "—", *cells])
    return table


def format_themes(report: Report) -> list[list[str]]:
    """Per-theme precision, recall and support of our model on each theme set."""
    labels = list(report.themes)
    table = [["theme"] + [f"{label} {part}" for label in labels for part in ("P", "R", "n")]
             + ["note"]]
    for theme in THEMES:
        cells = [theme]
        supports = []
        for label in labels:
            counts = report.themes[label].per_theme[theme]
            supports.append(counts.support)
            cells += [f"{counts.precision:.2f}", f"{counts.recall:.2f}", str(counts.support)]
        note = "too rare to judge" if max(supports) < RARE else (
            "few examples" if min(supports) < RARE else "")
        table.append([*cells, note])
    return table
