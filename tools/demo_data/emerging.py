"""The demo's emerging complaint: app update 5.9 double-charges autopay in week 12.

No theme covers it (it is a billing bug, not a way service failed), nothing like it was said
before week 12, and it arrives as Google Play reviews, so the demo digest's "New this week"
section has something true to show. Its own random stream keeps the rest of the data set as it
was.
"""

from __future__ import annotations

import random
import uuid

from repwatch.demo.data import WEEKS, DemoItem

SEED_OFFSET = 0xE4E4
COUNT = 46
DAY = 86_400

OPENERS = [
    "Since the 5.9 update", "After updating the app on Tuesday", "Ever since the latest app version",
    "Updated the Tidewell app and", "Right after the new update", "This week's app update and now",
    "Since updating to 5.9", "With the new version of the app",
]
BUGS = [
    "autopay charged me twice for the same month",
    "I was charged twice for my monthly plan",
    "my card got charged two times for one bill",
    "the app took my monthly payment twice",
    "there is a duplicate charge on my bank statement",
    "I got double charged for my plan",
    "autopay ran twice and emptied my account",
    "it billed my card twice on the same day",
]
DETAILS = [
    "Two payments of £{amount} on the same day.", "Both charges say Tidewell autopay.",
    "My bank shows the same amount taken twice.", "My partner's account was charged twice too.",
    "The app still says one payment.", "That's £{amount} gone twice in one morning.", "",
]
ENDINGS = [
    "Please fix the billing bug.", "Turned autopay off until this is sorted.",
    "How do I get the second payment back?", "One star until the money is back.",
    "Check your statements, people.", "",
]
NAMES = ("Ruth Okoye", "Dan Fleming", "Asha Menon", "Pete Lawson", "Gina Morales", "Tom Birch",
         "Leila Haddad", "Sean Doyle", "Mira Kapoor", "Owen Price", "Nadia Rahman", "Jack Wu")


def emerging_items(seed: int) -> list[DemoItem]:
    """COUNT Google Play reviews spread over week 12 (densest late in the week)."""
    rng = random.Random(seed + SEED_OFFSET)  # noqa: S311 - reproducible data, not secrets
    combos = [(o, b, d, e) for o in OPENERS for b in BUGS for d in DETAILS for e in ENDINGS]
    rng.shuffle(combos)
    used_bugs: set[tuple[str, str]] = set()
    items = []
    for opener, bug, detail, ending in combos:
        if (opener, bug) in used_bugs:
            continue  # no two reviews open the same way about the same thing
        used_bugs.add((opener, bug))
        amount = rng.choice(("18", "22", "25", "30", "35"))
        text = " ".join(part for part in (f"{opener} {bug}.", detail.format(amount=amount), ending)
                        if part)
        second = 1 * DAY + int(6 * DAY * rng.random() ** 0.7)
        items.append(DemoItem(
            source="google_play", id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            author=f"{rng.choice(NAMES)}", text=text, language="en", planted_sentiment="negative",
            rating=rng.choice((1, 1, 1, 2)), metrics={"thumbs_up": rng.randrange(0, 40)},
            extra={"version": "5.9.0", "reply": None}, week=WEEKS, week_second=second,
        ))
        if len(items) == COUNT:
            break
    return items
