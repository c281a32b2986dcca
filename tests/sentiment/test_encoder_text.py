"""Text clean-up before the encoder, and length-sorted batching."""

from __future__ import annotations

from sentiment.encoder import clean_text, length_sorted_batches


def test_clean_text_undoes_entities_names_emoji_and_drops_links() -> None:
    cleaned = clean_text("@JetBlue thanks &amp; 😡😡 see https://t.co/abc123\n\nnow ✈️ ok")
    assert cleaned == "@JetBlue thanks & pouting face see http now airplane ok"


def test_length_sorted_batches_cover_every_index_once() -> None:
    lengths = [5, 1, 9, 3, 7]
    batches = length_sorted_batches(lengths, 2)
    assert batches == [[2, 4], [0, 3], [1]]
    assert sorted(i for batch in batches for i in batch) == list(range(5))
