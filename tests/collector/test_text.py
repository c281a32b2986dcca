from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.errors import MalformedRecord
from collector.mention import Mention
from collector.text import (
    MAX_FIELD_CHARS,
    MAX_TEXT_CHARS,
    html_to_text,
    language_code,
    parse_iso,
    rating_1_to_5,
)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>Two &amp; three</p>", "One\n\nTwo & three"),
        ("line<br>break<br/>again", "line\nbreak\nagain"),
        ('see <a href="https://x.example/a">the docs</a>', "see the docs (https://x.example/a)"),
        ('<a href="https://x.example/a">https://x.example/a</a>', "https://x.example/a"),
        ('<a href="https://m.example/tags/acme">#<span>acme</span></a>', "#acme"),
        ('<a href="mailto:a@b.example">write</a>', "write"),
        ("<script>alert(1)</script><style>p{}</style>kept", "kept"),
        ("caf&eacute; &#x1F44D; &quot;q&quot; &nbsp;x", 'café 👍 "q" x'),
        ("plain text, no tags", "plain text, no tags"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_to_text(markup: str | None, text: str) -> None:
    assert html_to_text(markup) == text


@pytest.mark.parametrize(("value", "code"), [
    ("en-US", "en"), ("pt_BR", "pt"), ("DE", "de"), ("und", None), ("", None), (None, None), ("english", None),
])
def test_language_code(value: object, code: str | None) -> None:
    assert language_code(value) == code


def test_times_become_utc() -> None:
    assert parse_iso("2026-11-20T08:15:02-07:00") == datetime(2026, 11, 20, 15, 15, 2, tzinfo=UTC)
    assert parse_iso("2026-11-20T08:15:02Z") == datetime(2026, 11, 20, 8, 15, 2, tzinfo=UTC)
    assert parse_iso("2026-11-20T08:15:02") == datetime(2026, 11, 20, 8, 15, 2, tzinfo=UTC)
    with pytest.raises(MalformedRecord):
        parse_iso("yesterday")


@pytest.mark.parametrize("value", ["0", "6", "4.5", "", None])
def test_ratings_outside_one_to_five_are_malformed(value: object) -> None:
    with pytest.raises(MalformedRecord):
        rating_1_to_5(value)


def test_bidi_controls_are_removed_from_every_text_field_at_ingest() -> None:
    overrides = "\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f"
    mention = Mention(external_id="1", text=f"refund{overrides} please", title="\u202egnp.exe",
                      author="ann\u2066ie", published_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert (mention.text, mention.title, mention.author) == ("refund please", "gnp.exe", "annie")


def test_a_text_over_the_cap_is_cut_with_a_visible_marker() -> None:
    mention = Mention(external_id="1", text="a" * 300_000, title="t" * 5_000,
                      published_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert len(mention.text) == MAX_TEXT_CHARS
    assert mention.text.endswith(" [… cut by repwatch; 300,000 characters in all]")
    assert len(mention.title or "") == MAX_FIELD_CHARS and (mention.title or "").endswith("5,000 characters in all]")
    assert Mention(external_id="2", text="a" * MAX_TEXT_CHARS,
                   published_at=datetime(2026, 1, 1, tzinfo=UTC)).text == "a" * MAX_TEXT_CHARS
