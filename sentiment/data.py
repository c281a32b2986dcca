"""Reading the labeled corpora under the shared data folder, and the fixed held-out splits.

The held-out sets are chosen by a hash of each item's id, not by the training seed, so every
training run and every evaluation sees the same split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sentiment.labels import SENTIMENTS, THEMES, kind_of_source

# SemEval splits held out from training and scored by `repwatch model eval`. 2016devtest is the
# issue's example; its 2016 topic tweets are the hardest split (see MODEL_CARD.md), so the
# classic 2013 test set is held out and reported as well.
SEMEVAL_EVAL_SPLITS = ("2013test", "2016devtest")
TRUSTPILOT_EVAL_PER_CLASS = 150
REVIEW_THEMES_EVAL_SIZE = 200
EXAMPLES_DIR = Path(__file__).parent / "themes_examples"

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


class DataError(ValueError):
    """A data file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    sentiment: str | None = None
    themes: tuple[str, ...] | None = None  # None: not labeled for themes
    uncertain: tuple[str, ...] = ()
    group: str = ""  # where it came from: semeval split, company, corpus name
    kind: str | None = None  # the kind of text (`sentiment.labels.TEXT_KINDS`), None: unknown


def stable_key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def text_key(text: str) -> str:
    return " ".join(text.lower().split())


def _unescape_semeval(text: str) -> str:
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text.replace('\\"', '"')


def _tsv_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path}: missing columns {sorted(missing)}")
        yield from enumerate(reader, start=2)


def load_semeval(data_dir: Path) -> list[Example]:
    path = data_dir / "sentiment" / "semeval_2013_2016.tsv"
    examples = []
    for line, row in _tsv_rows(path, ("tweet_id", "split", "label", "text")):
        if row["label"] not in SENTIMENTS:
            raise DataError(f"{path}:{line}: unknown label {row['label']!r}")
        examples.append(Example(row["tweet_id"], _unescape_semeval(row["text"]), row["label"],
                                group=row["split"], kind="social"))
    return examples


def stars_to_sentiment(stars: int) -> str:
    return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"


def load_trustpilot(data_dir: Path) -> list[Example]:
    path = data_dir / "sentiment" / "trustpilot_pet_insurance.tsv"
    examples = []
    for line, row in _tsv_rows(path, ("review_id", "company", "stars", "text")):
        try:
            stars = int(row["stars"])
        except ValueError as exc:
            raise DataError(f"{path}:{line}: stars {row['stars']!r} is not a number") from exc
        examples.append(Example(row["review_id"], row["text"], stars_to_sentiment(stars),
                                group=row["company"], kind="review"))
    return examples


def load_uci(data_dir: Path) -> list[Example]:
    """The three UCI sentence corpora (negative/positive only)."""
    examples = []
    for corpus in ("amazon_cells", "yelp", "imdb"):
        path = data_dir / "sentiment" / f"uci_{corpus}_labelled.txt"
        if not path.is_file():
            raise DataError(f"{path}: file not found")
        for line, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if not raw.strip():
                continue
            text, _, label = raw.rpartition("\t")
            if label.strip() not in ("0", "1"):
                raise DataError(f"{path}:{line}: label {label!r} is not 0 or 1")
            sentiment = "positive" if label.strip() == "1" else "negative"
            examples.append(Example(f"{corpus}-{line}", text.strip(), sentiment, group=corpus,
                                    kind="review"))
    return examples


def read_theme_file(path: Path, group: str = "", kind: str | None = None) -> list[Example]:
    """A JSONL file of {"id", "text", "sentiment"?, "themes", "uncertain"?, "source"?} lines.

    A line's `source` (train_wave2) sets its kind of text; otherwise `kind` applies.
    """
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    examples = []
    for line, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{line}: not valid JSON ({exc.msg})") from exc
        themes = tuple(item.get("themes", ()))
        unknown = [t for t in (*themes, *item.get("uncertain", ())) if t not in THEMES]
        if unknown:
            raise DataError(f"{path}:{line}: unknown themes {unknown}")
        sentiment = item.get("sentiment")
        if sentiment is not None and sentiment not in SENTIMENTS:
            raise DataError(f"{path}:{line}: unknown sentiment {sentiment!r}")
        try:
            line_kind = kind_of_source(item["source"]) if "source" in item else kind
        except KeyError as exc:
            raise DataError(f"{path}:{line}: unknown source {item['source']!r}") from exc
        examples.append(Example(str(item["id"]), item["text"], sentiment, themes,
                                tuple(item.get("uncertain", ())), group=group or path.stem,
                                kind=line_kind))
    return examples


def our_theme_examples() -> list[Example]:
    """Examples we wrote for themes that are nearly absent from the labeled data."""
    examples: list[Example] = []
    for path in sorted(EXAMPLES_DIR.glob("*.jsonl")):
        examples += read_theme_file(path, group="ours")
    return examples


@dataclass
class Corpora:
    """Every corpus, split into what training may see and what evaluation keeps."""

    semeval_train: list[Example]
    semeval_eval: dict[str, list[Example]]  # by split name
    trustpilot_train: list[Example]
    trustpilot_eval: list[Example]
    uci: list[Example]
    themes_train: list[Example]  # tweets
    reviews_train: list[Example]
    reviews_eval: list[Example]
    themes_dev: list[Example]
    ours: list[Example]
    wave2_train: list[Example] = field(default_factory=list)  # every kind, `source` per line
    apps_dev: list[Example] = field(default_factory=list)  # app reviews, double-labeled

    def eval_texts(self) -> set[str]:
        semeval = [e for split in self.semeval_eval.values() for e in split]
        held = (*semeval, *self.trustpilot_eval, *self.reviews_eval, *self.themes_dev,
                *self.apps_dev)
        return {text_key(example.text) for example in held}


def _first_by_hash(examples: Iterable[Example], count: int) -> list[Example]:
    return sorted(examples, key=lambda example: stable_key(example.id))[:count]


def trustpilot_eval_sample(reviews: list[Example], avoid: set[str]) -> list[Example]:
    """A class-balanced sample: the same number of negative, neutral and positive reviews.

    Reviews whose text is in `avoid` (those labeled for themes) are left for theme training.
    """
    sample = []
    for label in SENTIMENTS:
        candidates = (r for r in reviews if r.sentiment == label and text_key(r.text) not in avoid)
        sample += _first_by_hash(candidates, TRUSTPILOT_EVAL_PER_CLASS)
    return sample


def load_corpora(data_dir: Path) -> Corpora:
    data_dir = Path(data_dir)
    semeval = load_semeval(data_dir)
    trustpilot = load_trustpilot(data_dir)
    themes = data_dir / "themes"
    reviews = read_theme_file(themes / "train_reviews.jsonl", kind="review")
    reviews_eval = _first_by_hash(reviews, REVIEW_THEMES_EVAL_SIZE)
    trustpilot_eval = trustpilot_eval_sample(trustpilot, {text_key(r.text) for r in reviews})
    corpora = Corpora(
        semeval_train=[e for e in semeval if e.group not in SEMEVAL_EVAL_SPLITS],
        semeval_eval={split: [e for e in semeval if e.group == split]
                      for split in SEMEVAL_EVAL_SPLITS},
        trustpilot_train=[],
        trustpilot_eval=trustpilot_eval,
        uci=load_uci(data_dir),
        themes_train=read_theme_file(themes / "train.jsonl", kind="social"),
        reviews_train=[],
        reviews_eval=reviews_eval,
        themes_dev=read_theme_file(themes / "dev.jsonl", kind="social"),
        ours=our_theme_examples(),
        wave2_train=read_theme_file(themes / "train_wave2.jsonl"),
        apps_dev=read_theme_file(themes / "dev_apps.jsonl", kind="app_review"),
    )
    held = corpora.eval_texts()
    corpora.trustpilot_train = [e for e in trustpilot if text_key(e.text) not in held]
    corpora.reviews_train = [e for e in reviews if text_key(e.text) not in held]
    corpora.semeval_train = [e for e in corpora.semeval_train if text_key(e.text) not in held]
    corpora.themes_train = [e for e in corpora.themes_train if text_key(e.text) not in held]
    corpora.wave2_train = [e for e in corpora.wave2_train if text_key(e.text) not in held]
    return corpora
