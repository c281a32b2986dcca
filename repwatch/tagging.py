"""Tagging: the Tagger the config describes, "detect the language, then tag" for any texts, and
stored mentions tagged in batches, one commit a batch.

A crash loses at most the batch in flight; the next run picks up the mentions still untagged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sentiment.language import Language, detect
from storage import Database
from storage.corrections import PRESENT, CorrectionLabel
from storage.corrections import SENTIMENT as SENTIMENT_FIELD
from storage.tagging import (
    TAGGED,
    UNSUPPORTED_LANGUAGE,
    NewTag,
    PendingMention,
    count_pending,
    pending_mentions,
    store_tags,
)

if TYPE_CHECKING:
    from pathlib import Path

    from repwatch.config import ModelConfig, ThemesConfig
    from sentiment import Tagger, TagResult

Progress = Callable[[int, int], None]  # (done so far, total)

# The kind of text each collector brings in (`sentiment.labels.TEXT_KINDS`); the tagger reads
# and thresholds each kind its own way. Feeds carry anything, so their kind stays unknown.
TEXT_KIND_OF_COLLECTOR = {
    "apple_app_store": "app_review", "google_play": "app_review", "bluesky": "social",
    "mastodon": "social", "reddit": "social", "hacker_news": "social", "stack_exchange": "social",
}


@dataclass
class TaggingSummary:
    tagged: int = 0
    unsupported: int = 0

    @property
    def total(self) -> int:
        return self.tagged + self.unsupported


def text_of(mention: PendingMention) -> str:
    """Title and body together as digests quote them, so that a theme's evidence sentence is
    part of the quote (the title alone if the body is empty)."""
    title = (mention.title or "").strip()
    body = mention.text.strip()
    if not title or body.startswith(title):
        return body or title
    return f"{title}: {body}" if body else title


def tag_texts(tagger: Tagger, texts: Sequence[str], languages: Sequence[str],
              kinds: Sequence[str | None] | None = None, all_languages: bool = False
              ) -> list[tuple[Language, TagResult | None]]:
    """Each text's detected language and its tags; None for a text in an unsupported language
    (unless `all_languages`)."""
    detected = [detect(text, languages) for text in texts]
    keep = [i for i, language in enumerate(detected) if all_languages or language.supported]
    kinds = kinds if kinds is not None else [None] * len(texts)
    results = dict(zip(keep, tagger.tag([texts[i] for i in keep],
                                        kinds=[kinds[i] for i in keep]), strict=True))
    return [(language, results.get(i)) for i, language in enumerate(detected)]


def tag_batch(tagger: Tagger, mentions: Sequence[PendingMention], languages: Sequence[str],
              now: datetime) -> list[NewTag]:
    kinds = [TEXT_KIND_OF_COLLECTOR.get(m.source_kind or "") for m in mentions]
    tagged = tag_texts(tagger, [text_of(m) for m in mentions], languages, kinds)
    tags = []
    for mention, (language, result) in zip(mentions, tagged, strict=True):
        if result is None:
            tags.append(NewTag(mention.id, UNSUPPORTED_LANGUAGE, language.code, tagger.version,
                               now))
            continue
        tags.append(NewTag(
            mention.id, TAGGED, language.code, tagger.version, now,
            sentiment=result.sentiment, scores=result.sentiment_scores,
            themes={theme: result.theme_scores[theme] for theme in result.themes},
            evidence=result.theme_evidence))
    return tags


def tag_mentions(database: Database, tagger: Tagger, languages: Sequence[str] = ("en",),
                 batch_size: int = 256, retag: bool = False, progress: Progress | None = None,
                 stop: threading.Event | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> TaggingSummary:
    """Tag every mention without a tag (with `retag`, also those tagged by another model version).

    Each batch is read, tagged, then written in its own transaction; `stop` is checked between
    batches.
    """
    version = tagger.version if retag else None
    with database.reading() as session:
        total = count_pending(session, version)
    summary = TaggingSummary()
    if progress:
        progress(0, total)
    while not (stop and stop.is_set()):
        with database.reading() as session:
            batch = pending_mentions(session, batch_size, version)
        if not batch:
            break
        tags = tag_batch(tagger, batch, languages, now())  # outside the write lock: others write meanwhile
        with database.session() as session:
            store_tags(session, tags)
        summary.tagged += sum(1 for tag in tags if tag.status == TAGGED)
        summary.unsupported += sum(1 for tag in tags if tag.status == UNSUPPORTED_LANGUAGE)
        if progress:
            progress(summary.total, max(total, summary.total))
    return summary


def load_tagger(model: ModelConfig, themes: ThemesConfig, path: str | Path | None = None,
                quantize: bool | None = None) -> Tagger:
    """The Tagger the config's model and themes sections describe; `path` and `quantize`
    override the config's model folder and quantization."""
    from sentiment import Tagger, ThemeDefinition

    custom = [ThemeDefinition(theme.name, theme.description, tuple(theme.examples))
              for theme in themes.custom]
    return Tagger.from_pretrained(
        path or model.path, sentiment_model=model.sentiment_model, custom_themes=custom,
        disabled_themes=list(themes.disabled), cache_dir=model.cache_dir,
        quantize=model.quantize if quantize is None else quantize, batch_size=model.batch_size)


@dataclass
class CorrectionScore:
    """How often the model agrees with people's corrections: per sentiment, and per theme judged
    present or absent."""

    sentiment_total: int = 0
    sentiment_agreed: int = 0
    sentiment_by_class: dict[str, list[int]] = field(default_factory=dict)  # class -> [agreed, n]
    theme_present: list[int] = field(default_factory=lambda: [0, 0])  # [assigned, judged present]
    theme_absent: list[int] = field(default_factory=lambda: [0, 0])  # [left out, judged absent]

    @property
    def sentiment_macro_recall(self) -> float | None:
        recalls = [agreed / n for agreed, n in self.sentiment_by_class.values() if n]
        return sum(recalls) / len(recalls) if recalls else None


def score_corrections(tagger: Tagger, labels: Sequence[CorrectionLabel]) -> CorrectionScore:
    """Tag each corrected mention now and compare with what people said its tags are."""
    mentions = {label.mention_id: label for label in labels}
    ids = list(mentions)
    texts = [text_of(PendingMention(i, mentions[i].title, mentions[i].text)) for i in ids]
    kinds = [TEXT_KIND_OF_COLLECTOR.get(mentions[i].source_kind) for i in ids]
    results = dict(zip(ids, tagger.tag(texts, kinds=kinds), strict=True))
    score = CorrectionScore()
    for label in labels:
        result = results[label.mention_id]
        if label.field == SENTIMENT_FIELD:
            agreed = int(result.sentiment == label.value)
            score.sentiment_total += 1
            score.sentiment_agreed += agreed
            counts = score.sentiment_by_class.setdefault(label.value, [0, 0])
            counts[0] += agreed
            counts[1] += 1
        else:
            assigned = label.theme in result.themes
            tally = score.theme_present if label.value == PRESENT else score.theme_absent
            tally[0] += int(assigned if label.value == PRESENT else not assigned)
            tally[1] += 1
    return score
