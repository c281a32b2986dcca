"""How fast a custom theme is fitted, and how well one defined from a few phrases works.

    python bench/custom_themes.py [--data ../shared/data] [--threads 2]

Defines `long_wait` the way a user would (a description and eight phrases we wrote, nothing
from the labeled data), times the fit on an empty cache and the load from a warm cache, then
scores it against the annotators' `slow_response` labels in themes/dev.jsonl, beside the
bundled slow_response head trained on labeled data.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sentiment import Tagger, ThemeDefinition
from sentiment.data import read_theme_file
from sentiment.metrics import score_themes
from sentiment.train import default_data_dir

LONG_WAIT = ThemeDefinition(
    "long_wait",
    "The customer waited a long time on hold, in a queue, or for a reply that never came.",
    ("on hold for over an hour", "still waiting for someone to answer my email",
     "three days and no reply to my ticket", "sat in the phone queue all morning",
     "your chat says 45 minute wait", "no response to my DMs since Monday",
     "waiting weeks for my claim to be processed", "been holding for 2 hours now"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        Tagger.from_pretrained(threads=args.threads)
        load = time.perf_counter() - started
        started = time.perf_counter()
        tagger = Tagger.from_pretrained(custom_themes=[LONG_WAIT], cache_dir=cache,
                                        threads=args.threads)
        fitted = time.perf_counter() - started
        started = time.perf_counter()
        Tagger.from_pretrained(custom_themes=[LONG_WAIT], cache_dir=cache, threads=args.threads)
        cached = time.perf_counter() - started
    print(f"load without custom themes {load:.1f}s; with long_wait fitted {fitted:.1f}s "
          f"(fit alone about {fitted - load:.1f}s); from cache {cached:.1f}s")
    dev = read_theme_file(args.data / "themes" / "dev.jsonl")
    results = tagger.tag([e.text for e in dev])
    gold = [["slow_response"] if "slow_response" in (e.themes or ()) else [] for e in dev]
    skip = [["slow_response"] if "slow_response" in e.uncertain else [] for e in dev]
    for name in ("long_wait", "slow_response"):
        predicted = [["slow_response"] if name in r.themes else [] for r in results]
        counts = score_themes(gold, predicted, ["slow_response"], skip).per_theme["slow_response"]
        print(f"{name:>13} vs dev slow_response labels: precision {counts.precision:.2f}, "
              f"recall {counts.recall:.2f}, F1 {counts.f1:.2f} (support {counts.support})")


if __name__ == "__main__":
    main()
