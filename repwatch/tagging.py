"""Tagging stored mentions in batches: language check, sentiment and themes, one commit a batch.

A crash loses at most the batch in flight; the next run picks up the mentions still untagged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sentiment.language import detect
from storage import Database
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
    from repwatch.config import Config
    from sentiment import Tagger

Progress = Callable[[int, int], None]  # (done so far, total)


@dataclass
class TaggingSummary:
    tagged: int = 0
    unsupported: int = 0

    @property
    def total(self) -> int:
        return self.tagged + self.unsupported


def text_of(mention: PendingMention) -> str:
    """Title and body together, as review sites show them (the title alone if the body is empty)."""
    title = (mention.title or "").strip()
    body = mention.text.strip()
    if not title or body.startswith(title):
        return body or title
    return f"{title}. {body}" if body else title


def tag_batch(tagger: Tagger, mentions: Sequence[PendingMention], languages: Sequence[str],
              now: datetime) -> list[NewTag]:
    texts = [text_of(m) for m in mentions]
    detected = [detect(text, languages) for text in texts]
    supported = [i for i, language in enumerate(detected) if language.supported]
    results = dict(zip(supported, tagger.tag([texts[i] for i in supported]), strict=True))
    tags = []
    for index, mention in enumerate(mentions):
        result = results.get(index)
        if result is None:
            tags.append(NewTag(mention.id, UNSUPPORTED_LANGUAGE, detected[index].code,
                               tagger.version, now))
            continue
        tags.append(NewTag(
            mention.id, TAGGED, detected[index].code, tagger.version, now,
            sentiment=result.sentiment, scores=result.sentiment_scores,
            themes={theme: result.theme_scores[theme] for theme in result.themes}))
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


def tag_pending(database: Database, tagger: Tagger, languages: Sequence[str] = ("en",),
                batch_size: int = 256, progress: Progress | None = None,
                stop: threading.Event | None = None) -> int:
    """The scheduler's tagging job: tag what is untagged; returns how many mentions it stored."""
    return tag_mentions(database, tagger, languages, batch_size, progress=progress,
                        stop=stop).total


def load_tagger(config: Config) -> Tagger:
    """The Tagger the config describes: model folder, sentiment model, themes, cache, speed."""
    from sentiment import Tagger, ThemeDefinition

    model = config.model
    custom = [ThemeDefinition(theme.name, theme.description, tuple(theme.examples))
              for theme in config.themes.custom]
    return Tagger.from_pretrained(
        model.path, sentiment_model=model.sentiment_model, custom_themes=custom,
        disabled_themes=list(config.themes.disabled), cache_dir=model.cache_dir,
        quantize=model.quantize, batch_size=model.batch_size)
