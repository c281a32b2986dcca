"""What the weekly digest needs to know, as plain values: the digest's own settings.

repwatch builds these from its config (`Config.digest_settings()`); reports never read the config.
Kept apart from `reports.digest` so loading the config does not load the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True)
class SourceSettings:
    """A configured source, as far as its health in the digest goes."""

    name: str
    kind: str
    brand: str
    enabled: bool = True
    every: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class DigestSettings:
    brands: tuple[str, ...]
    themes: tuple[str, ...]  # enabled themes, defaults first
    sources: tuple[SourceSettings, ...] = ()
    timezone: str = "UTC"
    trend_weeks: int = 12
    output_dir: Path = Path("digests")
    recipients: tuple[str, ...] = ()
    competitors: dict[str, tuple[str, ...]] = field(default_factory=dict)  # brand -> its competitors
