"""What every collector is: a kind name, a params model, and `fetch` yielding batches."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo

from collector.errors import FatalError
from collector.http import Http
from collector.mention import Mention


class CollectorParams(BaseModel):
    """Base for each collector's `params` section in config; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def secret_names(self) -> dict[str, str]:
        """Secret name -> environment variable, from the `*_env` fields that are set."""
        return {
            name.removesuffix("_env"): value
            for name, value in self
            if name.endswith("_env") and isinstance(value, str)
        }


def env_var_is_set(name: str | None, info: ValidationInfo) -> str | None:
    """Validator for `*_env` fields: the named environment variable must exist."""
    context = info.context or {}
    env = context.get("env", os.environ)
    if name is not None and context.get("check_env", True) and not env.get(name):
        raise ValueError(f"environment variable {name} is not set")
    return name


def http_url(value: str) -> str:
    """`value` if it is an http:// or https:// URL with a host, as httpx will read it."""
    problem = f"{value} is not an http:// or https:// URL"
    if "\\" in value:
        raise ValueError(f"{problem} (it has a backslash; URLs use forward slashes)")
    if any(character.isspace() for character in value):
        raise ValueError(f"{problem} (it has a space)")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{problem} ({exc})") from None
    if url.scheme not in ("http", "https") or not value.startswith(f"{url.scheme}://") or not url.host:
        raise ValueError(problem)
    return value


HttpUrl = Annotated[str, AfterValidator(http_url)]
"""A URL to fetch as it is written, such as a feed."""

BaseUrl = Annotated[str, AfterValidator(http_url), AfterValidator(lambda url: url.rstrip("/"))]
"""A service's base URL (real host by default; a mirror or local test server if overridden)."""


@dataclass(frozen=True)
class BrandTerms:
    """What a collector may search for on a brand's behalf."""

    name: str
    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    apple_app_ids: tuple[str, ...] = ()
    google_play_ids: tuple[str, ...] = ()


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

    def __init__(
        self,
        params: CollectorParams,
        brand: BrandTerms,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        """`secrets` maps each `*_env` field's name without `_env` to the variable's value;
        the runner reads the environment, collectors never do."""
        self.params = params
        self.brand = brand
        self.secrets = dict(secrets or {})

    def search_terms(self, query: str | None) -> list[str]:
        """The configured query, else the brand's keywords; an error when there are neither."""
        terms = [query] if query else list(self.brand.keywords)
        if not terms:
            raise FatalError("nothing to search for: set params.query or the brand's keywords")
        return terms

    @abstractmethod
    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        """Yield batches newer than `cursor` (or than `since` on a first run)."""
