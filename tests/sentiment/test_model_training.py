"""`repwatch model train` on a tiny data folder: deterministic, loadable, evaluable."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from repwatch.cli import cli
from sentiment import Tagger
from sentiment.data import Corpora, Example, load_corpora
from sentiment.labels import THEMES
from sentiment.train import TrainSettings, assemble, train

SMALL = TrainSettings(tune_from_layer=4, epochs=0.3, batch_size=8, background_size=4, limit=24,
                      threads=1, semeval_sample=None)


@pytest.fixture(scope="module")
def trained(tiny_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("model")
    return folder, train(tiny_data, folder, SMALL, log=lambda _: None)


def test_held_out_sets_never_reach_training(tiny_data: Path) -> None:
    corpora = load_corpora(tiny_data)
    data = assemble(corpora, SMALL)
    semeval = [e for split in corpora.semeval_eval.values() for e in split]
    held_out = {e.text for e in (*semeval, *corpora.trustpilot_eval, *corpora.reviews_eval,
                                 *corpora.themes_dev, *corpora.apps_dev)}
    assert all(corpora.semeval_eval.values()) and corpora.themes_dev and corpora.reviews_eval
    assert corpora.apps_dev and corpora.wave2_train
    read = {text.partition(": ")[2] for text in data.texts} | set(data.texts)
    assert not held_out & read
    calibration = {data.texts[i] for i, _ in data.themes_calibration}
    trained = {data.texts[i] for i, _ in data.themes_fit} | {
        data.texts[i] for i, _ in data.sentiment}
    assert calibration and not calibration & trained
    assert {e.group for e in corpora.ours} == {"ours"}
    rare = {"language_barrier", "cultural_insensitivity", "data_privacy"}
    assert rare <= {t for e in corpora.ours for t in e.themes or ()}


def test_sentiment_classes_weigh_the_same_within_each_source() -> None:
    """A class rare in one source (3-star reviews) is not drowned by its plenty in another."""
    def examples(prefix: str, counts: dict[str, int]) -> list[Example]:
        return [Example(f"{prefix}{label}{n}", f"{prefix} {label} {n}", label)
                for label, count in counts.items() for n in range(count)]

    tweets = examples("tweet", {"negative": 20, "neutral": 50, "positive": 30})
    reviews = examples("review", {"negative": 40, "neutral": 4, "positive": 16})
    corpora = Corpora(semeval_train=tweets, semeval_eval={}, trustpilot_train=reviews,
                      trustpilot_eval=[], uci=[], themes_train=[], reviews_train=[],
                      reviews_eval=[], themes_dev=[], ours=[])
    data = assemble(corpora, TrainSettings())
    index_of = {text: i for i, text in enumerate(data.texts)}
    for source, size in ((tweets, 100), (reviews, 60)):
        totals: dict[str, float] = defaultdict(float)
        for example in source:
            totals[str(example.sentiment)] += data.sentiment_weight[index_of[example.text]]
        assert totals == pytest.approx({label: size / 3 for label in totals})
    assert data.sentiment_weight[index_of["review neutral 0"]] == pytest.approx(5.0)


def test_training_is_reproducible_and_loads_as_a_tagger(
        tiny_data: Path, tmp_path: Path, trained: tuple[Path, dict]) -> None:
    folder, first = trained
    second = train(tiny_data, tmp_path / "b", SMALL, log=lambda _: None)
    assert (folder / "model.safetensors").read_bytes() == (
        tmp_path / "b" / "model.safetensors").read_bytes()
    assert first["version"] == second["version"]
    assert first["thresholds"] == second["thresholds"] and set(first["thresholds"]) == set(THEMES)
    assert first["tuned_layers"] == [4, 5]
    assert set(first["text_kinds"]) == {"social", "app_review", "review", "support"}
    assert json.loads((folder / "model.json").read_text())["settings"]["seed"] == 13
    tagger = Tagger.from_pretrained(folder)
    assert tagger.version == first["version"]
    [result] = tagger.tag(["on hold for hours"])
    assert set(result.theme_scores) == set(THEMES)


def test_a_different_seed_gives_different_weights(
        tiny_data: Path, tmp_path: Path, trained: tuple[Path, dict]) -> None:
    from dataclasses import replace

    train(tiny_data, tmp_path / "b", replace(SMALL, seed=14), log=lambda _: None)
    assert (trained[0] / "model.safetensors").read_bytes() != (
        tmp_path / "b" / "model.safetensors").read_bytes()


def test_model_eval_prints_ours_beside_the_baselines(
        tiny_data: Path, tmp_path: Path, trained: tuple[Path, dict],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config.yaml here: defaults apply
    result = CliRunner().invoke(cli, ["model", "eval", "--data", str(tiny_data), "--model",
                                      str(trained[0]), "--no-quantize"])
    assert result.exit_code == 0, result.output
    for text in ("SemEval 2013test", "SemEval 2016devtest", "Trustpilot", "Themes dev", "micro-F1", "VADER",
                 "LR on frozen MiniLM", "zero-shot cosine", "too rare to judge",
                 "App reviews (dev_apps): sentiment macro recall",
                 "Themes dev_apps (app reviews): theme micro-F1",
                 "Themes dev_apps (app reviews): 'no theme' precision",
                 "Themes dev_apps (app reviews) P"):
        assert text in result.stdout


def test_train_with_a_missing_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["model", "train", "--data", str(tmp_path / "nope"),
                                      "--output", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "data folder not found" in result.output


def test_texts_are_read_with_their_kind_and_some_without(tiny_data: Path) -> None:
    data = assemble(load_corpora(tiny_data), SMALL)
    kinds = set(data.kinds.values())
    assert {"social", "app_review", "review", "support"} <= kinds and None in kinds
    prefixed = [text for i, text in enumerate(data.texts) if data.kinds[i] == "app_review"]
    assert prefixed and all(text.startswith("app review: ") for text in prefixed)


def test_a_warm_start_ships_every_layer_and_tunes_from_the_model_given(
        tiny_data: Path, tmp_path: Path, trained: tuple[Path, dict]) -> None:
    from dataclasses import replace

    meta = train(tiny_data, tmp_path / "warm", replace(SMALL, init=str(trained[0]),
                                                      tune_from_layer=5), log=lambda _: None)
    assert meta["tuned_layers"] == [5] and meta["shipped_layers"] == list(range(6))
    assert (tmp_path / "warm" / "baselines.safetensors").read_bytes() == (
        trained[0] / "baselines.safetensors").read_bytes()
    [result] = Tagger.from_pretrained(tmp_path / "warm").tag(["on hold for hours"])
    assert set(result.theme_scores) == set(THEMES)


def test_each_kind_of_text_gets_its_own_thresholds(
        tmp_path: Path, trained: tuple[Path, dict]) -> None:
    import shutil

    from sentiment import ModelError

    folder = tmp_path / "kinds"
    shutil.copytree(trained[0], folder)
    meta = json.loads((folder / "model.json").read_text())
    meta["kind_thresholds"] = {"app_review": dict.fromkeys(THEMES, 1.0),
                               "social": dict.fromkeys(THEMES, 0.0)}
    (folder / "model.json").write_text(json.dumps(meta))
    tagger = Tagger.from_pretrained(folder)
    text = "on hold for hours"
    app, social = tagger.tag([text, text], kinds=["app_review", "social"])
    assert app.themes == [] and set(social.themes) == set(THEMES)
    assert app.theme_scores != social.theme_scores  # read after different prefixes
    with pytest.raises(ModelError, match="unknown kind of text 'letter'"):
        tagger.tag([text], kinds=["letter"])
