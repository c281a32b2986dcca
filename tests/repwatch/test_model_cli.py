"""`repwatch model predict` and `repwatch tag` through the real CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.mention import Mention
from repwatch.cli import cli
from sentiment import SENTIMENTS, THEMES
from storage import Database
from storage.mentions import ensure_source, upsert_mentions

CONFIG = """\
database:
  url: sqlite:///{db}
brands:
  - name: Acme
themes:
  disabled: {disabled}
  custom:
    - name: billing_error
      description: The customer was charged the wrong amount, twice, or after cancelling.
      examples:
        - "charged me twice this month"
        - "still billing me after I cancelled"
        - "my bill is double what I signed up for"
        - "hidden fees on my invoice"
        - "refund the overcharge on my account"
model:
  cache_dir: {cache}
  quantize: false
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no config.yaml: the bundled model with default settings
    return tmp_path


def test_predict_jsonl_writes_one_line_per_good_input(in_empty_folder: Path) -> None:
    source = in_empty_folder / "export.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "a", "text": "Thank you, the replacement arrived next day!"}),
        "{not json",
        json.dumps({"id": "b", "text": "On hold for two hours, then cut off."}),
        json.dumps({"id": "c", "body": "no text field"}),
        json.dumps({"id": 7, "text": "Nadie contesta el teléfono desde hace tres días"}),
    ]) + "\n")
    code, out, err = invoke("model", "predict", "--input", str(source), "--output", "out.jsonl")
    assert code == 0, err
    assert "export.jsonl:2: skipped: not valid JSON" in err
    assert "export.jsonl:4: skipped: 'text' is missing" in err
    lines = [json.loads(line) for line in (in_empty_folder / "out.jsonl").read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", 7]
    first, second, spanish = lines
    assert first["sentiment"] == "positive" and second["sentiment"] == "negative"
    assert set(first["sentiment_scores"]) == set(SENTIMENTS)
    assert set(first["theme_scores"]) == set(THEMES)
    assert set(second["themes"]) & {"slow_response", "hard_to_reach"}
    assert set(second["theme_evidence"]) == set(second["themes"]) and first["theme_evidence"] == {}
    assert spanish["sentiment"] is None and spanish["status"] == "not tagged: unsupported language"
    assert "wrote 3 predictions" in out


def test_predict_reads_every_row_as_the_kind_given(in_empty_folder: Path) -> None:
    from sentiment import Tagger

    text = "The app crashed twice. Support sent the same canned reply and never fixed it."
    source = in_empty_folder / "reviews.jsonl"
    source.write_text(json.dumps({"id": "r", "text": text}) + "\n")
    code, _, err = invoke("model", "predict", "--input", str(source), "--output", "out.jsonl",
                          "--kind", "app_review")
    assert code == 0, err
    [line] = [json.loads(x) for x in (in_empty_folder / "out.jsonl").read_text().splitlines()]
    [expected] = Tagger.from_pretrained(quantize=True).tag([text], kinds=["app_review"])
    assert line["theme_scores"] == expected.theme_scores
    assert line["theme_evidence"] == expected.theme_evidence
    code, _, err = invoke("model", "predict", "--input", str(source), "--output", "out.jsonl",
                          "--kind", "letter")
    assert code == 2 and "'letter' is not one of" in err


def test_predict_csv_with_a_named_text_column(in_empty_folder: Path) -> None:
    source = in_empty_folder / "survey.csv"
    source.write_text("comment,score\n\"Great support, thanks!\",9\n\"Nobody called me back\",2\n")
    code, _, err = invoke("model", "predict", "--input", str(source), "--output", "o.jsonl",
                          "--text-column", "comment")
    assert code == 0, err
    lines = [json.loads(line) for line in (in_empty_folder / "o.jsonl").read_text().splitlines()]
    assert [line["id"] for line in lines] == [2, 3]  # numbered by line without an id column
    code, _, err = invoke("model", "predict", "--input", str(source), "--output", "o.jsonl")
    assert code == 2 and "has no 'text' column" in err


def seed(db_path: Path) -> None:
    database = Database(f"sqlite:///{db_path}")
    database.upgrade()
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with database.session() as session:
        source = ensure_source(session, "forum", "rss", "Acme")
        upsert_mentions(session, source, [
            Mention("1", "you charged me twice for March, refund it", now),
            Mention("2", "on hold for three hours with nobody answering", now),
            Mention("3", "Ce service client est vraiment nul, personne ne répond jamais", now),
        ], now)
    database.dispose()


def test_tag_and_retag_after_a_model_change(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    settings = {"db": tmp_path / "r.db", "cache": tmp_path / "cache"}
    config.write_text(CONFIG.format(disabled="[]", **settings))
    seed(tmp_path / "r.db")
    code, out, err = invoke("--config", str(config), "tag")
    assert code == 0, err
    assert "fitted custom theme 'billing_error'" in err
    assert "tagged 2 mentions; 1 not tagged (unsupported language)" in out
    code, out, _ = invoke("--config", str(config), "tag", "--retag")
    assert "tagged 0 mentions; 0 not tagged" in out  # same model: nothing to redo
    config.write_text(CONFIG.format(disabled="[slow_response]", **settings))
    code, out, err = invoke("--config", str(config), "tag", "--retag")
    assert code == 0, err
    assert "fitted custom theme" not in err  # the cached head is reused
    assert "tagged 2 mentions; 1 not tagged" in out
