from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from collector import registry
from repwatch.config import Config, ConfigError, example_config_text, parse_config

ROOT = Path(__file__).resolve().parents[2]
ENV = {"REPWATCH_SMTP_PASSWORD": "x", "BLUESKY_APP_PASSWORD": "y", "REDDIT_SECRET": "z"}

MINIMAL = """\
brands:
  - name: Acme
"""


def model_keys(model: type[BaseModel]) -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        keys.add(name)
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            for inner in (arg, *typing.get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    keys |= model_keys(inner)
    return keys


def test_the_shipped_example_is_the_top_level_file() -> None:
    assert example_config_text() == (ROOT / "config.example.yaml").read_text()


def test_the_example_validates() -> None:
    config = parse_config(example_config_text(), env=ENV)
    assert config.brands[0].name == "Acme Telecom"
    assert {source.kind for source in config.sources} <= set(registry.collectors())


def test_every_config_key_appears_in_the_example() -> None:
    example = example_config_text()
    keys = model_keys(Config)
    for collector_class in registry.collectors().values():
        keys |= model_keys(collector_class.Params)
    missing = sorted(key for key in keys if f"{key}:" not in example)
    assert missing == []


def test_minimal_config_gets_defaults() -> None:
    config = parse_config(MINIMAL, env={})
    assert config.database.url == "sqlite:///repwatch.db"
    assert config.digest.timezone == "UTC"
    assert len(config.themes.enabled_defaults) == 12


def problems_of(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "test.yaml", env=env or {})
    return [str(problem) for problem in caught.value.problems]


def test_all_problems_are_reported_at_once_with_path_and_line() -> None:
    text = """\
database:
  url: sqlite:///x.db
brands:
  - name: Acme
    keywords: "not a list"
network:
  timeout_seconds: fast
  colour: blue
digest:
  timezone: Mars/Olympus
  schedule: every monday
alerts:
  repeat_every: sometimes
  recipients: ["not-an-email"]
themes:
  custom:
    - name: billing
      description: Wrong charges on the bill.
      examples: ["one", "two"]
"""
    problems = problems_of(text)
    assert problems == [
        "line 5: brands[0].keywords: Input should be a valid list",
        "line 7: network.timeout_seconds: Input should be a valid number, unable to parse string as a number",
        "line 8: network.colour: Extra inputs are not permitted",
        "line 10: digest.timezone: unknown time zone 'Mars/Olympus'",
        "line 11: digest.schedule: not a crontab expression (Wrong number of fields; got 2, expected 5)",
        "line 13: alerts.repeat_every: 'sometimes' is not a duration like 30m, 1h, 2d or 1w",
        "line 14: alerts.recipients: recipients are set but there is no smtp section",
        "line 14: alerts.recipients[0]: 'not-an-email' is not an email address",
        "line 19: themes.custom[0].examples: List should have at least 5 items after validation, not 2",
    ]


def test_missing_secret_environment_variable() -> None:
    text = MINIMAL + """\
smtp:
  host: mail.example.com
  sender: repwatch@example.com
  password_env: REPWATCH_TEST_MISSING_SECRET
"""
    assert problems_of(text) == [
        "line 6: smtp.password_env: environment variable REPWATCH_TEST_MISSING_SECRET is not set"
    ]
    assert parse_config(text, env={"REPWATCH_TEST_MISSING_SECRET": "s3cret"}).smtp is not None


def test_the_webhook_url_can_come_from_the_environment() -> None:
    text = MINIMAL + "alerts:\n  webhook_url_env: REPWATCH_TEST_WEBHOOK\n"
    assert problems_of(text) == [
        "line 4: alerts.webhook_url_env: environment variable REPWATCH_TEST_WEBHOOK is not set"]
    config = parse_config(text, env={"REPWATCH_TEST_WEBHOOK": "https://hooks.example.com/s/x"})
    assert config.secret_env_names() == ["REPWATCH_TEST_WEBHOOK"]  # masked in logs
    both = MINIMAL + "alerts:\n  webhook_url: https://h.example.com/x\n  webhook_url_env: W\n"
    assert problems_of(both, env={"W": "x"}) == [
        "line 3: alerts: set webhook_url or webhook_url_env, not both"]


def test_bad_yaml_names_the_line() -> None:
    assert problems_of("brands:\n  - name: [unclosed\n") == [
        "line 3: (yaml): not valid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_sources_are_checked_against_brands_and_collectors() -> None:
    text = MINIMAL + """\
sources:
  - name: one
    kind: carrier_pigeon
    brand: Acme
  - name: one
    kind: rss
    brand: Nobody
    params: {urls: ["https://example.com/feed"]}
"""
    problems = problems_of(text)
    assert problems[0].startswith("line 5: sources[0].kind: unknown source kind 'carrier_pigeon' (known: ")
    assert problems[1:] == [
        "line 7: sources[1].name: source 'one' is defined twice",
        "line 9: sources[1].brand: 'Nobody' is not one of the brands",
    ]


def test_custom_theme_cannot_shadow_a_default() -> None:
    text = MINIMAL + """\
themes:
  custom:
    - name: slow_response
      description: Another definition of slow.
      examples: [a, b, c, d, e]
"""
    assert problems_of(text) == [
        "line 5: themes.custom[0].name: 'slow_response' is a default theme; pick another name"
    ]


def test_empty_and_non_mapping_files() -> None:
    assert problems_of("") == ["brands: Field required"]
    assert problems_of("- just\n- a list\n") == ["line 1: (top level): the file must be a mapping of sections"]


def test_an_unknown_key_suggests_the_near_one() -> None:
    text = MINIMAL + (
        "digest:\n  recipents: [team@example.com]\n"
        "sources:\n  - name: feed\n    kind: rss\n    brand: Acme\n    params:\n      url: [https://a.example/f]\n"
        "network:\n  colour: red\n"
    )
    with pytest.raises(ConfigError) as error:
        parse_config(text, env={})
    problems = [str(problem) for problem in error.value.problems]
    assert problems == [
        "line 4: digest.recipents: Extra inputs are not permitted; did you mean 'recipients'?",
        "line 10: sources[0].params.url: Extra inputs are not permitted; did you mean 'urls'?",
        "line 12: network.colour: Extra inputs are not permitted",
    ]


def alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n" + MINIMAL


def test_a_yaml_alias_bomb_is_refused_in_one_line() -> None:
    # Nine levels expand to over 9**10 values: parsing it whole took 29 s and 3.2 GB before the limit.
    assert len(alias_bomb(9)) < 600
    with pytest.raises(ConfigError) as error:
        parse_config(alias_bomb(9), "bomb.yaml", env={})
    message = str(error.value)
    assert len(message.splitlines()) == 1
    assert message.startswith("bomb.yaml: (yaml): refused: aliases (*name) expand it to 4,4")
    assert message.endswith("values, over the limit of 100,000; write the values out, or use fewer nested aliases")


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config("loop: &x [1, *x]\n" + MINIMAL, "r.yaml", env={})
    assert str(error.value) == "r.yaml: (yaml): refused: an alias refers to the node that contains it"


def test_ordinary_aliases_still_work() -> None:
    config = parse_config("brands:\n  - name: Acme\n    keywords: &words [acme, acme telecom]\n"
                          "  - name: Acme Mobile\n    keywords: *words\n", env={})
    assert config.brands[1].keywords == ["acme", "acme telecom"]


def test_a_config_over_a_megabyte_is_refused(tmp_path: Path) -> None:
    from repwatch.config import load_config

    path = tmp_path / "config.yaml"
    path.write_text(MINIMAL + "#" * 1_000_001 + "\n")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert "a config over 1,000,000 bytes is refused" in str(error.value)
