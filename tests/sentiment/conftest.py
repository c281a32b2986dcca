"""Fixtures for the tagging-model tests: the bundled tagger, and a tiny labeled data folder in
the same layout as the team's shared data (texts written for these tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentiment import Tagger

TWEETS = [
    ("negative", "@united lost my bag again and nobody at the desk cares"),
    ("negative", "worst airline ever, three delays in one week"),
    ("negative", "my phone keeps dropping calls since the update, useless"),
    ("negative", "cancelled my order without telling me, never again"),
    ("neutral", "what time does the store on main street open tomorrow"),
    ("neutral", "is the new firmware out for the older model yet"),
    ("neutral", "boarding at gate 12 for the 6pm flight to Denver"),
    ("neutral", "does the family plan include international roaming"),
    ("positive", "great flight, friendly crew and we landed early"),
    ("positive", "thanks for sorting my refund so quickly, really appreciate it"),
    ("positive", "love the new app design, so much easier to use"),
    ("positive", "the support agent was brilliant and fixed it in minutes"),
]
REVIEWS = [
    (1, "Never again. Claim denied after months of waiting and nobody returns my calls."),
    (1, "Terrible. They lost my documents three times and still have not paid."),
    (2, "Slow and confusing. Took weeks to process a simple claim."),
    (3, "It's fine. Coverage is okay but the app is clunky and the price went up."),
    (3, "Average. Paid eventually, though I had to chase them twice."),
    (4, "Good value. Claims are paid within a week and the staff are polite."),
    (5, "Excellent service. Quick payout and a lovely agent on the phone."),
    (5, "Five stars. Easy sign up and my claim was reimbursed in two days."),
]
THEMED = [
    ("@airline on hold for 3 hours and still no answer", ["slow_response"]),
    ("@telco been waiting a week for a reply to my ticket", ["slow_response"]),
    ("@shop your agent was rude and hung up on me", ["lack_of_empathy"]),
    ("@bank the rep laughed at me and said it was my fault", ["lack_of_empathy"]),
    ("@airline you promised a callback yesterday and nobody called",
     ["broken_promise", "unresolved_issue"]),
    ("@telco the chatbot keeps looping and I can't reach a human", ["automation_frustration"]),
    ("@shop can't get through, phone line is always busy", ["hard_to_reach"]),
    ("@bank transferred five times and had to repeat my story each time",
     ["transfers_and_bureaucracy"]),
    ("@airline flight delayed by rain again", []),
    ("@telco thanks for the quick fix!", []),
    ("@shop where is the nearest store?", []),
    ("@bank my card arrived today, all good", []),
]


def _write_tsv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(header)] + ["\t".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_jsonl(path: Path, items: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")


def make_tiny_data(root: Path) -> Path:
    splits = ["2016devtest", "2013test", "2016train", "2013train"]
    semeval = [[str(1000 + i), splits[i % 4], label, text]
               for i, (label, text) in enumerate(TWEETS * 3)]
    _write_tsv(root / "sentiment" / "semeval_2013_2016.tsv",
               ["tweet_id", "split", "label", "text"],
               [[r[0], r[1], r[2], f"{r[3]} #{n}"] for n, r in enumerate(semeval)])
    _write_tsv(root / "sentiment" / "trustpilot_pet_insurance.tsv",
               ["review_id", "company", "stars", "text"],
               [[f"r{i}", "acme", str(stars), text] for i, (stars, text) in enumerate(REVIEWS)])
    for corpus in ("amazon_cells", "yelp", "imdb"):
        lines = [f"{text}\t{1 if label == 'positive' else 0}" for label, text in TWEETS
                 if label != "neutral"]
        (root / "sentiment" / f"uci_{corpus}_labelled.txt").write_text("\n".join(lines) + "\n")
    labeled = [{"id": f"t{i}", "text": text, "sentiment": "negative" if themes else "neutral",
                "themes": themes} for i, (text, themes) in enumerate(THEMED * 2)]
    _write_jsonl(root / "themes" / "train.jsonl", labeled)
    _write_jsonl(root / "themes" / "train_reviews.jsonl", [
        {"id": f"v{i}", "text": f"Review: {item['text']}", "sentiment": item["sentiment"],
         "themes": item["themes"]} for i, item in enumerate(labeled)])
    sources = ["tweet", "app_review", "airline_review", "support_feedback"]
    _write_jsonl(root / "themes" / "train_wave2.jsonl", [
        {"id": f"w{i}", "text": f"{item['text']} (wave 2)", "source": sources[i % 4],
         "sentiment": item["sentiment"], "themes": item["themes"]}
        for i, item in enumerate(labeled)])
    _write_jsonl(root / "themes" / "dev_apps.jsonl", [
        {"id": f"a{i}", "text": f"App review: {text}", "sentiment": None if i == 0 else (
            "negative" if themes else "neutral"), "themes": themes, "uncertain": []}
        for i, (text, themes) in enumerate(THEMED)])
    _write_jsonl(root / "themes" / "dev.jsonl", [
        {"id": f"e{i}", "text": f"{text} (dev)", "sentiment": "negative" if themes else "neutral",
         "themes": themes, "uncertain": []} for i, (text, themes) in enumerate(THEMED)])
    return root


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    """The bundled model, unquantized, loaded once for the session."""
    return Tagger.from_pretrained(batch_size=16)
