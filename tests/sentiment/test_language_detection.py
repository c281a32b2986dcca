"""Offline language detection for mentions."""

from __future__ import annotations

import pytest

from sentiment.language import UNDETERMINED, detect


@pytest.mark.parametrize("text", [
    "@united my flight has been delayed three times and nobody at the gate can tell us why",
    "Been on hold for two hours with your support line, this is ridiculous",
    "Claim paid in four days, really smooth experience with the whole team.",
])
def test_english_is_supported(text: str) -> None:
    assert detect(text) == detect(text, ["en"])
    assert detect(text).code == "en" and detect(text).supported


@pytest.mark.parametrize(("text", "code"), [
    ("Hola, mi vuelo fue cancelado y nadie en el mostrador me quiere ayudar", "es"),
    ("Mon colis n'est jamais arrivé et personne au service client ne répond", "fr"),
    ("Danke für nichts, die Lieferung ist schon wieder eine Woche verspätet", "de"),
])
def test_other_languages_are_detected_and_unsupported(text: str, code: str) -> None:
    language = detect(text, ["en"])
    assert language.code == code and not language.supported
    assert detect(text, ["en", code]).supported


@pytest.mark.parametrize("text", ["Yes", "@JetBlue awesome", "👍👍", "https://t.co/abc @AmazonHelp"])
def test_text_too_short_to_tell_is_undetermined_and_tagged(text: str) -> None:
    language = detect(text, ["en"])
    assert language.code == UNDETERMINED and language.supported
