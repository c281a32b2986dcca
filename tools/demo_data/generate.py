"""Rebuild the bundled demo data set: `python -m tools.demo_data.generate [--seed N] [--out PATH]`.

The story
---------
Tidewell Mobile is a fictional budget mobile carrier (not a real company). The data set covers
twelve weeks of public mentions of it: App Store reviews (US and UK storefronts), Google Play
reviews, Hacker News comments and stories, Google Alerts news items, Mastodon posts under
#tidewell and Bluesky posts. Most mentions carry no complaint theme: praise for price and
coverage, questions, news, and product or network gripes that say nothing about service.

For nine weeks the complaint themes sit at a steady baseline. At the start of week 10 Tidewell
moves customer support to an outside vendor (the news feed reports it). From then on
`language_barrier` and `slow_response` complaints climb sharply week on week, and the share of
negative mentions rises, while the other ten themes stay at their baseline. In the last two and
a half days before the demo's `now` there is an extra surge of those two complaints, densest in
the final day, so an hourly or daily spike alert has something true to fire on.

A few percent of mentions are in Spanish, German, French or Portuguese; the bundled model tags
English only, so they show the "stored, not tagged" path.

Every item records what was planted (`planted_themes`, `planted_sentiment`) as ground truth for
tests; the demo server never serves those fields. Texts are combined from the hand-written
fragments in `fragments.py` and `fragments_intl.py`; the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import re
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repwatch.demo.data import (
    VENDOR_CHANGE_WEEK,
    WEEKS,
    DemoItem,
    bundled_path,
    write_items,
)
from tools.demo_data import fragments as en
from tools.demo_data.emerging import emerging_items
from tools.demo_data.fragments_intl import INTL, INTL_THEMES, INTL_TITLES

SEED = 20240610
DAY = 86_400
WEEK_SECONDS = 7 * DAY

# Mentions per week and channel before the story starts.
CHANNELS: list[tuple[str, str | None, int]] = [
    ("apple_app_store", "us", 28),
    ("apple_app_store", "gb", 16),
    ("google_play", None, 120),
    ("hacker_news", None, 12),
    ("rss", None, 9),
    ("mastodon", None, 36),
    ("bluesky", None, 64),
]
# Share of themed complaints, product gripes, neutral and positive mentions per source.
MIX: dict[str, tuple[float, float, float, float]] = {
    "apple_app_store": (0.32, 0.20, 0.13, 0.35),
    "google_play": (0.32, 0.20, 0.13, 0.35),
    "mastodon": (0.30, 0.18, 0.27, 0.25),
    "bluesky": (0.30, 0.18, 0.27, 0.25),
    "hacker_news": (0.12, 0.22, 0.48, 0.18),
}
CATEGORIES = ("themed", "product", "neutral", "positive")
BASELINE_THEME_WEIGHTS = {
    "slow_response": 16, "unresolved_issue": 14, "hard_to_reach": 9,
    "automation_frustration": 9, "lack_of_empathy": 8, "broken_promise": 8,
    "transfers_and_bureaucracy": 7, "inconsistent_information": 6,
    "lack_of_product_knowledge": 6, "data_privacy": 3, "language_barrier": 3,
    "cultural_insensitivity": 1.5,
}
# Extra complaints after the vendor change, per week, and the final surge.
STORY_EXTRA = {10: 30, 11: 48, 12: 65}
SURGE_ITEMS = 100
SURGE_SECONDS = 60 * 3600
STORY_THEMES = [
    (("language_barrier",), 0.38),
    (("slow_response",), 0.35),
    (("language_barrier", "slow_response"), 0.27),
]
STORY_CHANNELS = [
    (("google_play", None), 0.37), (("bluesky", None), 0.27), (("mastodon", None), 0.13),
    (("apple_app_store", "us"), 0.10), (("apple_app_store", "gb"), 0.07),
    (("hacker_news", None), 0.06),
]
# Probability that a mention on this channel is not in English, and which language.
INTL_SHARE = {("apple_app_store", "us"): 0.07, ("apple_app_store", "gb"): 0.04,
              ("mastodon", None): 0.09, ("bluesky", None): 0.07}
INTL_LANGUAGES = {"us": (("es", 6), ("pt", 2), ("fr", 1), ("de", 1)),
                  None: (("es", 3), ("pt", 3), ("de", 2), ("fr", 2))}
INTL_LANGUAGES["gb"] = (("fr", 3), ("de", 3), ("pt", 2), ("es", 2))
# Relative activity per UTC hour, for placing weekly items within their day.
HOURLY = [3, 2, 2, 1, 1, 1, 2, 4, 6, 8, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 10, 8, 6, 4]
BLUESKY_MAX_CHARS = 300

FIRST = (
    "Jess", "Daniel", "Priya", "Tom", "Sarah", "Marcus", "Aisha", "Ben", "Chloe", "Raj",
    "Emma", "Luis", "Hannah", "Omar", "Kate", "Diego", "Laura", "Sam", "Nina", "Jordan",
    "Grace", "Kwame", "Megan", "Ethan", "Zoe", "Ryan", "Fatima", "Liam", "Mia", "Noah", "Ava",
    "Jamal", "Ellie", "Connor", "Sofia", "Kevin", "Rachel", "Tariq", "Holly", "Adam", "Maria",
    "Josh", "Leah", "Chris", "Anna", "Dev", "Olivia", "Harry", "Imogen", "Carlos", "Beth",
    "Will", "Yasmin", "Paul", "Erin", "Mateo", "Lucy", "Jake", "Amara",
)
LAST = (
    "Smith", "Patel", "Jones", "Garcia", "Brown", "Nguyen", "Taylor", "Khan", "Wilson",
    "Lopez", "Evans", "Murphy", "Clarke", "Okafor", "Hughes", "Rossi", "Walker", "Singh",
    "Green", "Kim", "Baker", "Ali", "Turner", "Reyes", "Wright", "Cohen", "Hall", "Ward",
    "Price", "Diaz", "Foster", "Shah", "Bell", "Cruz", "Morgan", "Hussain", "Reid", "Silva",
    "Gray", "Fisher",
)
WORDS = (
    "sunny", "pixel", "coffee", "river", "maple", "fox", "quiet", "rusty", "lucky", "cloud",
    "tiny", "bold", "salty", "velvet", "otter", "nova", "paper", "amber", "cosmic", "wild",
    "moss", "bright", "north", "lemon", "copper", "indigo",
)
MASTODON_DOMAINS = ("toot.example", "social.example.org", "fedi.example.net", "mstdn.example.com")
NEWS_SITES = (("Mobile Matters", "mobilematters.example.com"),
              ("The Signal Report", "signalreport.example.net"),
              ("Carrier Watch", "carrierwatch.example.org"),
              ("Daily Tech Brief", "dailytechbrief.example.com"),
              ("Budget Phone Guide", "budgetphoneguide.example.com"))
TECH_SITES = ("tidewell.example.com", "engblog.example.net", "netmap.example.org",
              "telecomnotes.example.com")


def weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def fill(template: str, rng: random.Random, extra: dict[str, str] | None = None) -> str:
    """Replace each {slot} with a random choice (or a value from `extra`)."""

    def pick(match: re.Match[str]) -> str:
        slot = match.group(1)
        if extra and slot in extra:
            return extra[slot]
        if slot == "issue":
            return rng.choice(en.ISSUES)
        return rng.choice(en.SLOTS[slot])

    text = re.sub(r"\{(\w+)\}", pick, template)
    return text[:1].upper() + text[1:] if template.startswith("{") else text


def near_duplicate_key(text: str) -> frozenset[str]:
    """The words of four letters or more, less the brand's name: equal keys, near-duplicates."""
    words = re.findall(r"[^\W\d_]{4,}", text.lower())
    return frozenset(w for w in words if w not in ("tidewell", "mobile"))


def joined(parts: Sequence[str]) -> str:
    """Join sentences; after an opener ending in a comma or a bare word ("Not sponsored, but")
    the next one continues in lower case."""
    text = ""
    for part in parts:
        if not part:
            continue
        continues = text[-1:] == "," or text[-1:].isalpha()
        if continues and part[:1].isupper() and not part.startswith(("I ", "I'", "Tidewell")):
            part = part[:1].lower() + part[1:]
        text = f"{text} {part}" if text else part
    return text


@dataclass
class Plan:
    """What one item should be, before its text is written."""

    source: str
    country: str | None
    category: str  # themed | product | neutral | positive
    themes: tuple[str, ...]
    gen_t: int  # seconds since the start of week 1 (approximate for tail items)
    week: int | None = None
    week_second: int | None = None
    seconds_before_now: int | None = None
    surge: bool = False
    story: bool = False
    language: str = "en"

    @property
    def sentiment(self) -> str:
        if self.category in ("themed", "product"):
            return "negative"
        return self.category


@dataclass
class Generator:
    rng: random.Random
    seen_texts: set[frozenset[str]] = field(default_factory=set)
    seen_bodies: set[frozenset[str]] = field(default_factory=set)
    body_key: frozenset[str] | None = None
    authors: dict[str, list[str]] = field(default_factory=dict)
    mastodon_accounts: list[dict[str, Any]] = field(default_factory=list)
    hn_threads: list[dict[str, Any]] = field(default_factory=list)

    # ---- planning -------------------------------------------------------------------------

    def plans(self) -> list[Plan]:
        rng = self.rng
        plans: list[Plan] = []
        for week in range(1, WEEKS + 2):  # week 13 is the tail: the demo's current week
            baseline = []
            for source, country, volume in CHANNELS:
                count = max(1, round(rng.gauss(volume, volume**0.5 * 0.6)))
                for _ in range(count):
                    category = self.category(source)
                    baseline.append(self.timed(Plan(source, country, category, (), 0), week))
            self.deal_baseline_themes([p for p in baseline if p.category == "themed"])
            plans += baseline
            extra = STORY_EXTRA.get(min(week, WEEKS), 0)
            for _ in range(round(rng.gauss(extra, extra**0.5 * 0.5)) if extra else 0):
                plans.append(self.timed(self.story_plan(), week))
            if week >= VENDOR_CHANGE_WEEK:
                plans.append(self.timed(self.story_news(week), week))
        plans.append(self.timed(Plan("rss", None, "neutral", (), 0, story=True), VENDOR_CHANGE_WEEK))
        for _ in range(SURGE_ITEMS):
            plan = self.story_plan()
            plan.surge = True
            plan.seconds_before_now = 120 + int(SURGE_SECONDS * rng.random() ** 1.6)
            plan.gen_t = (WEEKS + 1) * WEEK_SECONDS - plan.seconds_before_now
            plans.append(plan)
        for plan in plans:
            share = INTL_SHARE.get((plan.source, plan.country), 0.0)
            if rng.random() < share:
                plan.language = weighted(rng, INTL_LANGUAGES[plan.country])
                if plan.category == "themed":
                    plan.themes = self.intl_themes(plan.themes)
        plans.sort(key=lambda p: p.gen_t)
        return plans

    def category(self, source: str) -> str:
        if source == "rss":
            return str(weighted(self.rng, (("neutral", 0.75), ("positive", 0.12), ("product", 0.13))))
        return str(weighted(self.rng, tuple(zip(CATEGORIES, MIX[source], strict=True))))

    def deal_baseline_themes(self, themed: list[Plan]) -> None:
        """Deal themes from a bag in baseline proportions, so a week's counts stay near baseline.

        One complaint in four carries a second theme.
        """
        rng = self.rng
        labels = len(themed) + round(len(themed) * 0.25)
        total = sum(BASELINE_THEME_WEIGHTS.values())
        bag: list[str] = []
        for theme, weight in BASELINE_THEME_WEIGHTS.items():
            expected = labels * weight / total
            bag += [theme] * (int(expected) + (rng.random() < expected % 1))
        rng.shuffle(bag)
        firsts, seconds = bag[: len(themed)], bag[len(themed) :]
        while len(firsts) < len(themed):
            firsts.append(weighted(rng, tuple(BASELINE_THEME_WEIGHTS.items())))
        for plan, theme in zip(themed, firsts, strict=True):
            plan.themes = (theme,)
        for theme in seconds:
            candidates = [p for p in themed if len(p.themes) == 1 and p.themes[0] != theme]
            if candidates:
                chosen = rng.choice(candidates)
                chosen.themes = (chosen.themes[0], theme)

    def intl_themes(self, themes: tuple[str, ...]) -> tuple[str, ...]:
        known = [theme for theme in themes if theme in INTL_THEMES]
        return (known[0],) if known else (self.rng.choice(INTL_THEMES),)

    def story_plan(self) -> Plan:
        source, country = weighted(self.rng, STORY_CHANNELS)
        themes = weighted(self.rng, STORY_THEMES)
        return Plan(source, country, "themed", themes, 0, story=True)

    def story_news(self, week: int) -> Plan:
        themes = ("slow_response",) if week % 2 else ("language_barrier",)
        return Plan("rss", None, "themed", themes, 0, story=True)

    def timed(self, plan: Plan, week: int) -> Plan:
        rng = self.rng
        if week > WEEKS:
            plan.seconds_before_now = rng.randrange(120, WEEK_SECONDS)
            plan.gen_t = (WEEKS + 1) * WEEK_SECONDS - plan.seconds_before_now
            return plan
        hour = weighted(rng, tuple(enumerate(HOURLY)))
        second = rng.randrange(7) * DAY + hour * 3600 + rng.randrange(3600)
        if plan.story and plan.source == "rss" and plan.category == "neutral":
            second = rng.randrange(8 * 3600, 12 * 3600)  # the vendor news opens week 10
        plan.week, plan.week_second = week, second
        plan.gen_t = (week - 1) * WEEK_SECONDS + second
        return plan

    # ---- text ---------------------------------------------------------------------------

    def unique(self, compose: Callable[[], str]) -> str:
        """Compose until the text is new: no earlier text has the same set of words, nor the
        same substance (the sentences left once openers and sign-offs are set aside)."""
        for _ in range(60):
            self.body_key = None
            text = compose()
            key, body = near_duplicate_key(text), self.body_key
            if key not in self.seen_texts and (body is None or body not in self.seen_bodies):
                self.seen_texts.add(key)
                if body is not None:
                    self.seen_bodies.add(body)
                return text
        raise RuntimeError(f"could not write a new text after 60 tries: {text!r}")

    def theme_sentences(self, plan: Plan, issue: dict[str, str]) -> list[str]:
        rng = self.rng
        parts = []
        for theme in plan.themes:
            pool = en.THEMES[theme]
            chosen = rng.sample(pool, 2 if rng.random() < 0.25 else 1)
            parts += [fill(sentence, rng, issue) for sentence in chosen]
        return parts

    def lead_ins(self, plan: Plan, issue: dict[str, str]) -> list[str]:
        rng = self.rng
        parts = []
        if plan.surge and rng.random() < 0.5:
            parts.append(rng.choice(en.SURGE_CONTEXTS))
        if plan.story and rng.random() < 0.45:
            parts.append(fill(rng.choice(en.VENDOR_CONTEXTS), rng))
        if rng.random() < 0.6:
            parts.append(fill(rng.choice(en.CONTEXTS), rng, issue))
        return parts

    def body(self, plan: Plan, social: bool) -> list[str]:
        """The message's substance (its key for `unique`), with any opener or tail around it."""
        rng = self.rng
        if plan.category == "themed":
            issue = {"issue": rng.choice(en.ISSUES)}  # one problem per message
            return self.keyed([], self.lead_ins(plan, issue) + self.theme_sentences(plan, issue))
        if plan.category == "product":
            picked = rng.sample(en.PRODUCT_COMPLAINTS, rng.choice((1, 2, 2)))
            return self.keyed([], [fill(s, rng) for s in picked])
        if plan.category == "neutral":
            if not social and rng.random() < 0.7:
                mixed = f"{fill(rng.choice(en.MIXED_PROS), rng)}, but {rng.choice(en.MIXED_CONS)}."
                return self.keyed([], [mixed, rng.choice(en.MIXED_VERDICTS)])
            if rng.random() < 0.5:
                posts = rng.sample(en.NEUTRAL_POSTS, rng.choice((1, 1, 2)))
                return self.keyed([], [fill(p, rng) for p in posts], [rng.choice(en.POST_TAILS)])
            question = fill(rng.choice(en.QUESTIONS), rng)
            return self.keyed([rng.choice(en.NEUTRAL_OPENERS)], [question],
                              [rng.choice(en.NEUTRAL_TAILS)])
        before_change = plan.gen_t < (VENDOR_CHANGE_WEEK - 1) * WEEK_SECONDS
        praise = en.PRAISE + (en.SUPPORT_PRAISE if before_change else [])
        opener = fill(rng.choice(en.POSITIVE_OPENERS), rng) if social else ""
        picked = rng.sample(praise, rng.choice((1, 2, 2, 3)))
        return self.keyed([opener], [fill(s, rng) for s in picked])

    def keyed(self, before: list[str], substance: list[str], after: Sequence[str] = ()) -> list[str]:
        self.body_key = frozenset(substance)
        return [*before, *substance, *after]

    def review_text(self, plan: Plan) -> str:
        rng = self.rng
        parts = []
        if rng.random() < 0.3:
            negative = en.NEGATIVE_OPENERS if plan.sentiment == "negative" else []
            parts.append(fill(rng.choice(en.REVIEW_OPENERS + negative), rng))
        parts += self.body(plan, social=False)
        if plan.sentiment == "negative" and rng.random() < 0.5:
            parts.append(fill(rng.choice(en.NEGATIVE_CLOSERS), rng))
        elif plan.sentiment == "positive" and rng.random() < 0.6:
            parts.append(fill(rng.choice(en.POSITIVE_CLOSERS), rng))
        return self.styled(joined(parts), casual=0.12)

    def social_text(self, plan: Plan, limit: int, need_brand: bool = True) -> str:
        rng = self.rng
        for _ in range(20):
            parts = []
            if plan.sentiment == "negative" and rng.random() < 0.35:
                service = en.SERVICE_OPENERS if plan.category == "themed" else []
                parts.append(fill(rng.choice(en.SOCIAL_OPENERS + service), rng))
            body = self.body(plan, social=True)
            parts += body[-3:] if plan.category == "themed" else body
            if plan.sentiment == "negative" and rng.random() < 0.35:
                parts.append(fill(rng.choice(en.SOCIAL_TAILS), rng))
            elif plan.sentiment == "positive" and rng.random() < 0.4:
                parts.append(fill(rng.choice(en.POSITIVE_CLOSERS), rng))
            text = joined(parts)
            if need_brand and "tidewell" not in text.lower():
                text = rng.choice(("Tidewell: ", "Re Tidewell: ", "@Tidewell ")) + text
            text = self.styled(text, casual=0.25)
            if len(text) <= limit:
                return text
        raise RuntimeError("could not fit a social post in its length limit")

    def styled(self, text: str, casual: float) -> str:
        """Some writers skip capitals or the final full stop."""
        rng = self.rng
        roll = rng.random()
        if roll < casual * 0.5:
            return text.lower()
        if roll < casual and text.endswith("."):
            return text[:-1]
        return text

    def intl_text(self, plan: Plan) -> str:
        rng = self.rng
        pool = INTL[plan.language]
        key = plan.themes[0] if plan.category == "themed" else plan.category
        sentences = rng.sample(pool[key], min(len(pool[key]), rng.choice((1, 1, 2))))
        closer = rng.choice(pool[f"closers_{plan.sentiment}"])
        opener = rng.choice(pool["openers"])
        self.body_key = frozenset([opener, *sentences])
        parts = [opener, *sentences, closer]
        numbers = {"brand": "Tidewell", "n": str(rng.randrange(3, 9)), "days": str(rng.randrange(2, 12))}
        text = joined([fill(p, rng, numbers) for p in parts])
        if plan.source in ("bluesky", "mastodon") and "tidewell" not in text.lower():
            text = "Tidewell: " + text
        return text

    # ---- authors ----------------------------------------------------------------------------

    def author(self, source: str, make: Callable[[], str]) -> str:
        known = self.authors.setdefault(source, [])
        if known and self.rng.random() < 0.12:
            return self.rng.choice(known)
        name = make()
        known.append(name)
        return name

    def nickname(self) -> str:
        rng = self.rng
        style = rng.randrange(5)
        if style == 0:
            return f"{rng.choice(FIRST).lower()}{rng.randrange(10, 9999)}"
        if style == 1:
            return f"{rng.choice(WORDS).capitalize()}{rng.choice(WORDS).capitalize()}"
        if style == 2:
            return f"{rng.choice(FIRST)} {rng.choice(LAST)[0]}."
        if style == 3:
            return f"{rng.choice(WORDS)}_{rng.choice(FIRST).lower()}"
        return f"{rng.choice(FIRST)}{rng.choice(LAST)}{rng.randrange(1, 99)}"

    def handle(self) -> str:
        rng = self.rng
        base = rng.choice(
            (f"{rng.choice(FIRST)}{rng.choice(LAST)}", f"{rng.choice(WORDS)}{rng.choice(FIRST)}")
        )
        return f"{base.lower()}{rng.choice(('', str(rng.randrange(2, 99))))}"

    def mastodon_account(self) -> dict[str, Any]:
        rng = self.rng
        if self.mastodon_accounts and rng.random() < 0.3:
            return rng.choice(self.mastodon_accounts)
        first = rng.choice(FIRST)
        account = {
            "username": f"{first.lower()}{rng.choice(('', '_', '.'))}{rng.choice(WORDS)}",
            "domain": None if rng.random() < 0.35 else rng.choice(MASTODON_DOMAINS),
            "display_name": f"{first} {rng.choice(LAST)}",
            "noindex": rng.random() < 0.07,
        }
        self.mastodon_accounts.append(account)
        return account

    # ---- items per source ------------------------------------------------------------------

    def item(self, plan: Plan, index: int) -> DemoItem:
        builders = {
            "apple_app_store": self.apple, "google_play": self.google_play,
            "hacker_news": self.hacker_news, "rss": self.rss,
            "mastodon": self.mastodon, "bluesky": self.bluesky,
        }
        values = builders[plan.source](plan, index)
        timing: dict[str, Any] = (
            {"week": plan.week, "week_second": plan.week_second}
            if plan.week is not None
            else {"seconds_before_now": plan.seconds_before_now, "surge": plan.surge}
        )
        return DemoItem(
            source=plan.source, language=plan.language, planted_themes=plan.themes,
            planted_sentiment=plan.sentiment, **timing, **values,
        )

    def text_for(self, plan: Plan, compose: Callable[[], str]) -> str:
        return self.unique(lambda: self.intl_text(plan) if plan.language != "en" else compose())

    def rating(self, plan: Plan) -> int:
        table = {
            "themed": ((1, 70), (2, 25), (3, 5)), "product": ((1, 40), (2, 35), (3, 25)),
            "neutral": ((3, 75), (4, 25)), "positive": ((5, 70), (4, 30)),
        }
        return int(weighted(self.rng, table[plan.category]))

    def version(self, plan: Plan) -> str:
        release = plan.gen_t // (17 * DAY)
        return f"5.{release + 3}.{self.rng.choice((0, 0, 1, 2))}"

    def review_title(self, plan: Plan) -> str:
        rng = self.rng
        if plan.language != "en":
            return rng.choice(INTL_TITLES[plan.language][plan.sentiment])
        if plan.category == "themed":
            pools = [en.REVIEW_TITLES["negative"]]
            pools += [en.REVIEW_TITLES[t] for t in plan.themes if t in en.REVIEW_TITLES]
            return rng.choice(rng.choice(pools))
        key = "product" if plan.category == "product" else plan.category
        return rng.choice(en.REVIEW_TITLES[key])

    def apple(self, plan: Plan, index: int) -> dict[str, Any]:
        votes = self.rng.choice((0, 0, 0, 1, 2, 5))
        return {
            "id": "",  # numbered in time order once every item exists
            "author": self.author("apple_app_store", self.nickname),
            "title": self.review_title(plan),
            "text": self.text_for(plan, lambda: self.review_text(plan)),
            "rating": self.rating(plan),
            "metrics": {"vote_sum": self.rng.randint(0, votes), "vote_count": votes},
            "extra": {"country": plan.country, "version": self.version(plan)},
        }

    def google_play(self, plan: Plan, index: int) -> dict[str, Any]:
        rng = self.rng
        author = self.author("google_play", lambda: f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        reply = None
        reply_odds = 0.25 if plan.gen_t < (VENDOR_CHANGE_WEEK - 1) * WEEK_SECONDS else 0.06
        if plan.sentiment == "negative" and rng.random() < reply_odds:
            reply = {
                "text": rng.choice(en.DEVELOPER_REPLIES).format(name=author.split()[0]),
                "after_s": rng.randrange(3 * 3600, 5 * DAY),
            }
        thumbs = int(rng.paretovariate(1.3)) - 1 if plan.sentiment == "negative" else rng.choice((0, 0, 1))
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "author": author,
            "text": self.text_for(plan, lambda: self.review_text(plan)),
            "rating": self.rating(plan),
            "metrics": {"thumbs_up": min(thumbs, 400)},
            "extra": {"version": None if rng.random() < 0.1 else self.version(plan), "reply": reply},
        }

    def hacker_news(self, plan: Plan, index: int) -> dict[str, Any]:
        rng = self.rng
        author = self.author("hacker_news", lambda: rng.choice((
            f"{rng.choice(FIRST).lower()}{rng.choice(LAST).lower()[:3]}",
            f"{rng.choice(WORDS)}{rng.choice(WORDS)}", f"throwaway{rng.randrange(1000, 99999)}",
            f"{rng.choice(FIRST)[0].lower()}{rng.choice(LAST).lower()}",
        )))
        if rng.random() < 0.15 and plan.category in ("themed", "neutral"):
            return self.hn_story(plan, author)
        thread = self.hn_thread(plan.gen_t)
        thread["comments"] += 1
        return {
            "id": "",
            "author": author,
            "text": self.text_for(plan, lambda: self.hn_comment(plan)),
            "extra": {"kind": "comment", "thread": thread["key"]},
        }

    def hn_comment(self, plan: Plan) -> str:
        rng = self.rng
        if plan.category in ("neutral", "positive"):
            pool = en.HN_NEUTRAL if plan.category == "neutral" else en.HN_POSITIVE
            body = self.keyed([], rng.sample(pool, rng.choice((1, 2))))
        else:
            body = self.body(plan, social=False)
        parts = [fill(rng.choice(en.HN_LEADS), rng)]
        if rng.random() < 0.3:
            parts.insert(0, rng.choice(en.HN_OPENERS))
        return joined(parts + body)

    def hn_story(self, plan: Plan, author: str) -> dict[str, Any]:
        rng = self.rng
        kind = "question" if plan.category == "themed" else "neutral"
        title = fill(rng.choice(en.HN_STORIES[kind]), rng, {"brand": "Tidewell"})
        story_text = None
        url = None
        if kind == "question":
            story_text = self.unique(lambda: joined(self.body(plan, social=False)))
        else:
            title = self.unique(
                lambda: fill(rng.choice(en.HN_STORIES[kind]), rng, {"brand": "Tidewell"})
            )
            slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
            url = f"https://{rng.choice(TECH_SITES)}/{slug}"
        key = f"t{len(self.hn_threads)}"
        self.hn_threads.append({"key": key, "title": title, "url": url, "gen_t": plan.gen_t,
                                "comments": 0, "is_item": True})
        return {
            "id": "",
            "author": author,
            "title": title,
            "text": story_text or title,
            "metrics": {"points": max(1, int(rng.lognormvariate(2.3, 1.1)))},
            "extra": {"kind": "story", "thread": key, "url": url},
        }

    def hn_thread(self, gen_t: int) -> dict[str, Any]:
        rng = self.rng
        recent = [t for t in self.hn_threads if gen_t - 4 * DAY < t["gen_t"] < gen_t]
        if recent and rng.random() < 0.75:
            return rng.choice(recent)
        title = rng.choice(en.GENERIC_THREADS)
        url = None if title.startswith("Ask HN") else (
            f"https://{rng.choice(TECH_SITES[1:])}/{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')}"
        )
        thread = {"key": f"t{len(self.hn_threads)}", "title": title, "url": url,
                  "gen_t": gen_t - rng.randrange(3600, 30 * 3600), "comments": 0, "is_item": False}
        self.hn_threads.append(thread)
        return thread

    def rss(self, plan: Plan, index: int) -> dict[str, Any]:
        rng = self.rng
        if plan.story and plan.category == "neutral":
            kind = "vendor"
        elif plan.category == "themed":
            kind = plan.themes[0]
        else:
            kind = {"product": "negative"}.get(plan.category, plan.category)
        site, domain = rng.choice(NEWS_SITES)

        def compose() -> str:
            headline, snippet = rng.choice(en.NEWS_STORIES[kind])
            values = {s: rng.choice(en.SLOTS[s]) for s in en.SLOTS if s != "brand"}
            values["brand"] = "Tidewell Mobile" if rng.random() < 0.6 else "Tidewell"
            extra = rng.choice(en.NEWS_EXTRAS) if kind not in ("vendor",) else ""
            return fill(headline, rng, values) + "\n" + joined(
                [fill(snippet, rng, values), fill(extra, rng, values)]
            )

        title, text = self.unique(compose).split("\n")
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        return {
            "id": str(rng.randrange(10**18, 10**19)),
            "author": site,
            "title": title,
            "text": text,
            "extra": {"url": f"https://{domain}/news/{slug}-{rng.randrange(1000, 9999)}"},
        }

    def mastodon(self, plan: Plan, index: int) -> dict[str, Any]:
        rng = self.rng
        account = self.mastodon_account()

        def compose() -> str:
            text = self.social_text(plan, 480, need_brand=False)
            if rng.random() < 0.5 and re.search(r"\btidewell\b", text, re.IGNORECASE):
                return re.sub(r"\b(tidewell)\b", r"#\1", text, count=1, flags=re.IGNORECASE)
            return f"{text} #Tidewell"

        text = self.text_for(plan, compose)
        if "#tidewell" not in text.lower():
            text = f"{text} #Tidewell"
        reblogs = []
        if rng.random() < 0.04:
            reblogs.append({"account": self.mastodon_account(), "after_s": rng.randrange(600, 20 * 3600)})
        return {
            "id": str(index),
            "author": account["username"] if account["domain"] is None
            else f"{account['username']}@{account['domain']}",
            "text": text,
            "metrics": {"replies": rng.choice((0, 0, 0, 1, 2)), "reblogs": rng.choice((0, 0, 1, 3)),
                        "favourites": rng.choice((0, 1, 2, 4, 9))},
            "extra": {"account": account, "reblogs": reblogs},
        }

    def bluesky(self, plan: Plan, index: int) -> dict[str, Any]:
        rng = self.rng
        handle = self.author("bluesky", lambda: f"{self.handle()}.social.example")
        text = self.text_for(plan, lambda: self.social_text(plan, BLUESKY_MAX_CHARS))
        digest = hashlib.sha256(f"{index}:{text}".encode()).digest()
        return {
            "id": tid(plan.gen_t, index),
            "author": handle,
            "text": text,
            "metrics": {"likes": int(rng.paretovariate(1.6)) - 1, "replies": rng.choice((0, 0, 1, 2)),
                        "reposts": rng.choice((0, 0, 0, 1, 4)), "quotes": rng.choice((0, 0, 0, 0, 1))},
            "extra": {"cid": "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]},
        }

    # ---- the whole set ----------------------------------------------------------------------

    def build(self) -> list[DemoItem]:
        plans = self.plans()
        items = [self.item(plan, index) for index, plan in enumerate(plans)]
        return self.numbered(items, plans)

    def numbered(self, items: list[DemoItem], plans: list[Plan]) -> list[DemoItem]:
        """Give App Store and Hacker News items ids that grow with time, as the real ones do."""
        rng = self.rng
        apple_id = 10_431_000_000
        hn_id = 41_200_000
        thread_ids: dict[str, int] = {}
        events = sorted(
            [(t["gen_t"], 0, t["key"]) for t in self.hn_threads if not t["is_item"]]
            + [(plan.gen_t, 1, str(i)) for i, plan in enumerate(plans)]
        )
        ids: dict[int, str] = {}
        for _, kind, key in events:
            if kind == 0:
                hn_id += rng.randrange(50, 3000)
                thread_ids[key] = hn_id
                continue
            index = int(key)
            if plans[index].source == "apple_app_store":
                apple_id += rng.randrange(1000, 90_000)
                ids[index] = str(apple_id)
            elif plans[index].source == "hacker_news":
                hn_id += rng.randrange(50, 3000)
                ids[index] = str(hn_id)
                if items[index].extra["kind"] == "story":
                    thread_ids[items[index].extra["thread"]] = hn_id
        threads = {t["key"]: t for t in self.hn_threads}
        result = []
        for index, item in enumerate(items):
            if index not in ids:
                result.append(item)
                continue
            values = item.to_json()
            values["id"] = ids[index]
            if item.source == "hacker_news":
                thread = threads[item.extra["thread"]]
                extra = {k: v for k, v in item.extra.items() if k != "thread"}
                extra["story_id"] = thread_ids[thread["key"]]
                if item.extra["kind"] == "comment":
                    extra["story_title"] = thread["title"]
                    extra["story_url"] = thread["url"]
                else:
                    extra["num_comments"] = thread["comments"]
                values["extra"] = extra
            result.append(DemoItem.from_json(values))
        return result


TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def tid(gen_t: int, index: int) -> str:
    """A Bluesky-style record key: 13 sortable base32 characters from a microsecond clock."""
    value = ((1_715_000_000 + gen_t) * 1_000_000 + index) << 10
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def generate(seed: int = SEED) -> list[DemoItem]:
    from tools.demo_data import competitor  # builds on this module's Generator

    brand = Generator(random.Random(seed))  # noqa: S311 - reproducible data, not secrets
    return brand.build() + competitor.items(seed, brand) + emerging_items(seed)


def summary(items: Sequence[DemoItem]) -> str:
    """Counts per source, language and week/theme, for the console and the report."""
    lines = [f"{len(items)} items"]
    lines.append("per source: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(
        i.source + (f"/{i.extra['country']}" if i.source == "apple_app_store" else "") for i in items
    ).items())))
    languages = Counter(i.language for i in items).most_common()
    lines.append("languages: " + ", ".join(f"{k} {v}" for k, v in languages))
    themed = sum(1 for i in items if i.planted_themes)
    lines.append(f"with a theme: {themed} ({themed / len(items):.0%})")
    header = "week " + " ".join(f"{w:>4}" for w in range(1, WEEKS + 1)) + "  tail surge"
    lines.append(header)

    def column(item: DemoItem) -> str:
        if item.week is not None:
            return str(item.week)
        return "surge" if item.surge else "tail"

    columns = [str(w) for w in range(1, WEEKS + 1)] + ["tail", "surge"]
    rows: dict[str, Counter[str]] = {}
    for item in items:
        rows.setdefault("mentions", Counter())[column(item)] += 1
        rows.setdefault("negative", Counter())[column(item)] += item.planted_sentiment == "negative"
        for theme in item.planted_themes:
            rows.setdefault(theme, Counter())[column(item)] += 1
    for name in ["mentions", "negative", *sorted(BASELINE_THEME_WEIGHTS)]:
        counts = rows.get(name, Counter())
        lines.append(f"{name[:26]:<26} " + " ".join(f"{counts[c]:>4}" for c in columns))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild the bundled repwatch demo data set.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=bundled_path())
    args = parser.parse_args(argv)
    items = generate(args.seed)
    write_items(items, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(summary([item for item in items if item.brand is None]))
    from tools.demo_data import competitor

    print(competitor.summary(items))


if __name__ == "__main__":
    main()
