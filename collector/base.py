"""What every collector is: a kind name, a params model, and `fetch` yielding batches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from collector.mention import Mention


class CollectorParams(BaseModel):
    """Base for each collector's `params` section in config; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class BrandTerms:
    """What a collector may search for on a brand's behalf."""

    name: str
    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    apple_app_ids: tuple[str, ...] = ()
    google_play_ids: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()


@dataclass
class Batch:
    """Mentions plus the cursor that is safe to save once they are stored.

    `skipped` counts malformed records left out of this batch.
    """

    mentions: list[Mention]
    cursor: dict[str, Any] | None
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


class Collector(ABC):
    kind: ClassVar[str]
    Params: ClassVar[type[CollectorParams]] = CollectorParams

    def __init__(self, params: CollectorParams, brand: BrandTerms) -> None:
        self.params = params
        self.brand = brand

    @abstractmethod
    def fetch(self, http: Any, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        """Yield batches newer than `cursor` (or than `since` on a first run)."""
