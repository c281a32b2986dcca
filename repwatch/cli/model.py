"""`repwatch tag` and `repwatch model train|predict|eval`."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.config import ModelConfig, ThemesConfig
from sentiment.labels import TEXT_KINDS

if TYPE_CHECKING:
    from sentiment import Tagger

PREDICT_CHUNK = 512


@contextmanager
def _model_errors() -> Iterator[None]:
    """Missing or broken model and data files become one clear message (exit status 1)."""
    from sentiment.data import DataError
    from sentiment.tagger import ModelError

    try:
        yield
    except (ModelError, DataError) as exc:
        raise click.ClickException(str(exc)) from exc


def _settings(app: AppContext) -> tuple[ModelConfig, ThemesConfig]:
    """The model and themes sections of the config, or the defaults when there is no config."""
    if app.config_path.exists():
        return app.config.model, app.config.themes
    return ModelConfig(), ThemesConfig()


def _tagger(app: AppContext, model_path: Path | None = None, quantize: bool | None = None,
            config_themes: bool = True) -> Tagger:
    """The configured tagger; without `config_themes`, just the twelve default themes."""
    from repwatch.tagging import load_tagger

    model, themes = _settings(app)
    tagger = load_tagger(model, themes if config_themes else ThemesConfig(), model_path, quantize)
    for name in tagger.fitted_custom_themes:
        click.echo(f"fitted custom theme {name!r} (cached in {model.cache_dir})", err=True)
    return tagger


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=Console(stderr=True), transient=False)


@cli.command("tag")
@click.option("--retag", is_flag=True,
              help="Also re-tag mentions tagged by another model version (after a model change).")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=None,
              help="Mentions per transaction (default: model.batch_size from the config).")
@pass_app
def tag(app: AppContext, retag: bool, batch_size: int | None) -> None:
    """Tag stored mentions with sentiment and complaint themes."""
    from repwatch.tagging import tag_mentions

    config, database = app.config, app.database
    with _model_errors():
        tagger = _tagger(app)
    with _progress() as progress:
        task = progress.add_task(f"tagging with {tagger.version}", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = tag_mentions(database, tagger, config.model.languages,
                               batch_size or config.model.batch_size, retag=retag,
                               progress=report)
    click.echo(f"tagged {summary.tagged} mentions; {summary.unsupported} not tagged "
               f"(unsupported language); model {tagger.version}")


@cli.group("model")
def model_group() -> None:
    """Train, run and evaluate the tagging model."""


def _data_option(function: Any) -> Any:
    return click.option(
        "--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Folder of labeled data (default: $REPWATCH_DATA, else ../shared/data beside the "
             "repository).")(function)


def _data_dir(value: Path | None) -> Path:
    import os

    from sentiment.train import default_data_dir

    if value is not None:
        return value
    return Path(os.environ["REPWATCH_DATA"]) if os.environ.get("REPWATCH_DATA") else (
        default_data_dir())


@model_group.command("train")
@_data_option
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the model to (sentiment/weights reproduces the bundled one).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--epochs", type=click.FloatRange(min=0.01), default=None,
              help="Passes over the sentiment data (default: as the bundled model).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads (default: all cores; results are reproducible per thread count).")
@click.option("--init", "init", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Start from this model folder instead of the untouched MiniLM.")
@click.option("--tune-from-layer", type=click.IntRange(0, 5), default=None,
              help="Tune the encoder layers from this index up (default: as the bundled model).")
def train(data_dir: Path | None, output: Path, seed: int, epochs: float | None,
          threads: int | None, init: Path | None, tune_from_layer: int | None) -> None:
    """Train the tagging model from the labeled data and our own theme examples."""
    from dataclasses import replace

    from sentiment.train import TrainSettings, run

    settings = replace(TrainSettings(), seed=seed, threads=threads,
                       init=str(init) if init else None)
    if epochs is not None:
        settings = replace(settings, epochs=epochs)
    if tune_from_layer is not None:
        settings = replace(settings, tune_from_layer=tune_from_layer)
    with _model_errors():
        meta = run(_data_dir(data_dir), output, settings,
                   log=lambda line: click.echo(line, err=True))
    click.echo(f"model {meta['version']} written to {output}")


def _read_inputs(path: Path, text_column: str, id_column: str
                 ) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line, {"id", "text"} or None, problem) for each input row of a JSONL or CSV file."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8") as handle:
            for line, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    item = json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield line, None, f"not valid JSON ({exc.msg})"
                    continue
                yield line, *_row(item, line, text_column, id_column)
        return
    if path.suffix.lower() not in (".csv", ".tsv"):
        raise click.BadParameter(f"{path.name}: expected a .jsonl or .csv file",
                                 param_hint="--input")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        if text_column not in (reader.fieldnames or ()):
            raise click.BadParameter(f"{path.name} has no {text_column!r} column "
                                     f"(columns: {', '.join(reader.fieldnames or ())})",
                                     param_hint="--text-column")
        for row in reader:
            yield reader.line_num, *_row(row, reader.line_num, text_column, id_column)


def _row(item: Any, line: int, text_column: str, id_column: str
         ) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(item, dict):
        return None, "not an object"
    text = item.get(text_column)
    if not isinstance(text, str):
        return None, f"{text_column!r} is missing or not text"
    identifier = item.get(id_column)
    return {"id": identifier if identifier not in (None, "") else line, "text": text}, ""


@model_group.command("predict")
@click.option("--input", "input_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL of {\"id\", \"text\"} or CSV with a text column.")
@click.option("--output", "output_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="JSONL file to write.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--id-column", default="id", show_default=True,
              help="Rows without it are numbered by line.")
@click.option("--model", "model_path", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Model folder (default: model.path from the config, or bundled).")
@click.option("--kind", type=click.Choice(list(TEXT_KINDS)), default=None,
              help="The kind of text in the file (default: unknown).")
@click.option("--all-languages", is_flag=True,
              help="Tag every row, even those detected as an unsupported language.")
@pass_app
def predict(app: AppContext, input_path: Path, output_path: Path, text_column: str,
            id_column: str, model_path: Path | None, kind: str | None,
            all_languages: bool) -> None:
    """Tag the texts of an export file without a database."""
    from repwatch.tagging import tag_texts

    if not output_path.parent.is_dir():
        raise click.BadParameter(f"folder {str(output_path.parent)!r} does not exist",
                                 param_hint="--output")

    languages = _settings(app)[0].languages
    with _model_errors():
        tagger = _tagger(app, model_path)
    written = bad = unsupported = 0
    with output_path.open("w", encoding="utf-8") as out:
        chunk: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal written, unsupported
            texts = [row["text"] for row in chunk]
            tagged = tag_texts(tagger, texts, languages, [kind] * len(texts), all_languages)
            for row, (language, result) in zip(chunk, tagged, strict=True):
                record: dict[str, Any] = {"id": row["id"], "language": language.code}
                if result is not None:
                    record |= result.as_dict()
                else:
                    unsupported += 1
                    record |= {"sentiment": None, "sentiment_scores": None, "themes": [],
                               "theme_scores": None, "theme_evidence": None,
                               "status": "not tagged: unsupported language"}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
            chunk.clear()

        for line, row, problem in _read_inputs(input_path, text_column, id_column):
            if row is None:
                bad += 1
                click.echo(f"{input_path}:{line}: skipped: {problem}", err=True)
                continue
            chunk.append(row)
            if len(chunk) >= PREDICT_CHUNK:
                flush()
        if chunk:
            flush()
    click.echo(f"wrote {written} predictions to {output_path} ({unsupported} in unsupported "
               f"languages, {bad} bad rows skipped); model {tagger.version}")


@model_group.command("eval")
@_data_option
@click.option("--model", "model_path", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Model folder (default: model.path from the config, or bundled).")
@click.option("--quantize/--no-quantize", default=None,
              help="int8 encoder (default: model.quantize from the config).")
@click.option("--baselines/--no-baselines", default=True, show_default=True)
@click.option("--corrections", is_flag=True,
              help="Score the model on the tags people corrected in the database instead.")
@pass_app
def evaluate(app: AppContext, data_dir: Path | None, model_path: Path | None,
             quantize: bool | None, baselines: bool, corrections: bool) -> None:
    """Print every target metric on the held-out sets, with the baselines beside ours.

    Scores the twelve default themes (custom and disabled themes in the config are ignored);
    a `model.sentiment_model` from the config replaces the bundled sentiment head. With
    `--corrections`, scores it on people's corrections stored in the configured database.
    """
    from sentiment.data import load_corpora
    from sentiment.evaluate import Baselines, evaluate, format_report, format_themes
    from sentiment.tagger import WEIGHTS_DIR

    if corrections:
        _evaluate_corrections(app, model_path, quantize)
        return
    folder = model_path or Path(_settings(app)[0].path or WEIGHTS_DIR)
    with _model_errors():
        corpora = load_corpora(_data_dir(data_dir))
        tagger = _tagger(app, folder, quantize, config_themes=False)
        compare = None
        if baselines:
            compare = Baselines.load(folder)
        report = evaluate(tagger, corpora, compare, log=lambda line: click.echo(line, err=True))
    click.echo(f"model {tagger.version}\n")
    click.echo(markdown_table(format_report(report)))
    click.echo("\nour model per theme (P precision, R recall, n support)\n")
    click.echo(markdown_table(format_themes(report)))


def _evaluate_corrections(app: AppContext, model_path: Path | None, quantize: bool | None) -> None:
    from repwatch.tagging import score_corrections
    from storage.corrections import correction_labels

    with app.database.session() as session:
        labels = correction_labels(session)
    if not labels:
        raise click.ClickException("no corrections stored yet: correct tags in `repwatch serve` first")
    with _model_errors():
        tagger = _tagger(app, model_path, quantize)
        score = score_corrections(tagger, labels)

    def share(part: int, whole: int) -> str:
        return f"{part / whole:.3f} ({part} of {whole})" if whole else "none judged"

    recall = score.sentiment_macro_recall
    click.echo(f"model {tagger.version}, on {len(labels)} corrections of "
               f"{len({label.mention_id for label in labels})} mentions\n")
    click.echo(markdown_table([
        ["what people said", "the model agrees"],
        ["sentiment", share(score.sentiment_agreed, score.sentiment_total)],
        ["sentiment, macro recall", "none judged" if recall is None else f"{recall:.3f}"],
        ["theme present", share(*score.theme_present)],
        ["theme absent", share(*score.theme_absent)],
    ]))


def markdown_table(rows: list[list[str]]) -> str:
    """Rows of cells as a Markdown table, columns padded to line up in a terminal."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])
