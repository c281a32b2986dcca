"""The demo's competitor: Harbourline Mobile's app reviews, for "You and your competitors".

Harbourline is a fictional rival carrier (not a real company) whose support is known to be slow
but speaks its customers' language. Its App Store (US) and Google Play reviews cover weeks 11
and 12 (what the digest compares) and the current week. Their complaint mix is planted so that,
against Tidewell's week 12, Tidewell is clearly better at `slow_response` (Harbourline's queues
are slower still) and clearly worse at something its new support vendor brought. Counted by the
planted labels that is `language_barrier`; what the bundled model calls depends on the model. A
full `repwatch demo` with minilm-l6-repwatch-0f5abde77f (2026-12-06) gave broken promise 118
against 62 per 1,000 (p = 0.004, worse) and slow response 141 against 285 (p < 0.001, better);
language barrier, 82 against 44, fell short of the p < 0.01 bar (p = 0.019), and unresolved issue,
113 against 19, has too few competitor mentions (9) to call. (With a7ae54b572 it was unresolved
issue 130 against 65, worse.)

Texts are written by the brand's own generator, from the same fragments, with Harbourline's
name put in; they share its record of texts already used, so no review repeats one of Tidewell's.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence

from repwatch.demo.data import COMPETITOR, DemoItem
from tools.demo_data import fragments as en
from tools.demo_data.generate import BASELINE_THEME_WEIGHTS, Generator, Plan, fill, weighted

NAME = str(COMPETITOR["name"])
REVIEWS = {11: 440, 12: 480, 13: 300}  # week 13: the current week, up to the demo's `now`
APP_STORE_SHARE = 0.22  # the rest are Google Play reviews
# Shares of all reviews: complaints by theme (the other themes in Tidewell's baseline
# proportions), then product gripes, neutral and positive reviews.
PLANTED = {"slow_response": 0.33, "language_barrier": 0.055,
           # Harbourline's unresolved and unempathetic reviews come only from its slow-queue
           # stories (the model reads some of those as unresolved too): against Tidewell's
           # vendor troubles that is clearly fewer unresolved issues per 1,000.
           "unresolved_issue": 0.0, "lack_of_empathy": 0.0}
OTHER_THEMES = 0.19
PRODUCT, NEUTRAL = 0.09, 0.08  # positive: the rest
FIRST_APPLE_ID = 10_600_000_000  # above every Tidewell review id
# Harbourline's slowness is long queues and slow chats. Its reviews leave out the slow-response
# sentences about a reply promised by a date ("we reply within 24 hours"), which the model also
# reads as broken promises: with so many of them, that theme would look worse than Tidewell's too.
HOLD_AND_QUEUE = ("queue", "chat reply takes", "takes hours", "hold music", "on hold to ask")


class _Writer(Generator):
    def theme_sentences(self, plan: Plan, issue: dict[str, str]) -> list[str]:
        if plan.themes != ("slow_response",):
            return super().theme_sentences(plan, issue)
        pool = [s for s in en.THEMES["slow_response"] if any(w in s.lower() for w in HOLD_AND_QUEUE)]
        chosen = self.rng.sample(pool, 2 if self.rng.random() < 0.25 else 1)
        return [fill(sentence, self.rng, issue) for sentence in chosen]


def items(seed: int, brand: Generator) -> list[DemoItem]:
    """Harbourline's reviews, written after the brand's items by `brand`'s text record."""
    rng = random.Random(f"{seed}:harbourline")  # noqa: S311 - reproducible data, not secrets
    writer = _Writer(rng, seen_texts=brand.seen_texts, seen_bodies=brand.seen_bodies)
    plans = sorted((plan for week in REVIEWS for plan in _week(writer, week)),
                   key=lambda plan: plan.gen_t)
    written = []
    apple_id = FIRST_APPLE_ID
    for index, plan in enumerate(plans):
        record = writer.item(plan, index).to_json()
        if plan.source == "apple_app_store":
            apple_id += rng.randrange(1000, 90_000)
            record["id"] = str(apple_id)
        for key in ("text", "title"):
            if record[key]:
                record[key] = re.sub("tidewell", _rename, record[key], flags=re.IGNORECASE)
        written.append(DemoItem.from_json({**record, "brand": NAME}))
    return written


def _rename(match: re.Match[str]) -> str:
    """Tidewell -> Harbourline, keeping the writer's case (some write in lower case)."""
    new = NAME.split()[0]
    return new if match.group()[0].isupper() else new.lower()


def _week(writer: Generator, week: int) -> list[Plan]:
    """One week's reviews, their categories and themes dealt in the planted proportions."""
    rng = writer.rng
    count = REVIEWS[week]
    others = [(theme, w) for theme, w in BASELINE_THEME_WEIGHTS.items() if theme not in PLANTED]
    kinds: list[tuple[str, tuple[str, ...]]] = []
    for theme, share in PLANTED.items():
        kinds += [("themed", (theme,))] * round(count * share)
    kinds += [("themed", (weighted(rng, others),)) for _ in range(round(count * OTHER_THEMES))]
    kinds += [("product", ())] * round(count * PRODUCT) + [("neutral", ())] * round(count * NEUTRAL)
    kinds += [("positive", ())] * (count - len(kinds))
    plans = []
    for category, themes in kinds:
        apple = rng.random() < APP_STORE_SHARE
        plan = Plan("apple_app_store" if apple else "google_play", "us" if apple else None,
                    category, themes, 0)
        plans.append(writer.timed(plan, week))
    return plans


def summary(every: Sequence[DemoItem]) -> str:
    """Harbourline's reviews per week and planted theme, for the generator's report."""
    mine = [item for item in every if item.brand == NAME]
    weeks = Counter(item.week or 13 for item in mine)
    themes = Counter((item.week or 13, theme) for item in mine for theme in item.planted_themes)
    lines = [f"{NAME}: {len(mine)} reviews; per week (13 = current): "
             + ", ".join(f"{w}: {n}" for w, n in sorted(weeks.items()))]
    for theme in PLANTED:
        lines.append(f"  {theme}: " + ", ".join(f"{w}: {themes[w, theme]}" for w in sorted(weeks)))
    return "\n".join(lines)
