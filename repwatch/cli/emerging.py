"""`repwatch emerging`: complaints no theme covers yet; `repwatch emerging promote` makes one a theme."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reports.periods import parse_week
from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.cli.reports import _brands, _now, now_option
from repwatch.config import CustomTheme
from repwatch.emerging import find_for_digest, promoted_theme
from repwatch.tagging import load_tagger
from storage import emerging as queries

STATUS_WORDS = {"new": "NEW", "growing": "GROWING", "steady": "steady", "explained": "already a theme"}


def _describe(cluster: dict[str, Any]) -> str:
    usual = f"about {cluster['weekly_before']:.0f} a week before"
    if cluster["status"] == "explained":
        return f"{cluster['count']} mentions, mostly tagged {cluster['theme'].replace('_', ' ')}"
    return f"{cluster['count']} mentions, {usual}"


@cli.group("emerging", invoke_without_command=True)
@click.option("--brand", help="One brand (default: every brand).")
@click.option("--week", help="ISO week such as 2026-W47 (default: the last full week).")
@click.option("--all", "show_all", is_flag=True, help="Also list groups that are steady or already a theme.")
@now_option
@click.pass_context
def emerging(ctx: click.Context, brand: str | None, week: str | None, show_all: bool,
             now_text: str | None) -> None:
    """What customers started complaining about that no theme covers, week by week.

    Groups the week's negative mentions by meaning and compares them with the 8 weeks before:
    NEW when almost nothing like it was said before, GROWING when it grew clearly faster than
    negative mentions as a whole. The digest shows the same groups under "New this week".
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    assert app is not None
    try:
        period = parse_week(week) if week else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from exc
    brands = _brands(app, brand)
    now = _now(now_text)
    tagger = load_tagger(app.config.model, app.config.themes)
    for name in brands:
        found_week, clusters = find_for_digest(app.database, tagger, app.config, name, period, now)
        rising = [c for c in clusters if c["emerging"]]
        click.echo(f"{name} {found_week.label}: {len(clusters)} complaint groups, "
                   f"{len(rising)} new or growing")
        for cluster in clusters if show_all else rising:
            click.echo(f"  #{cluster['id']} {STATUS_WORDS[cluster['status']]}: \"{cluster['label']}\", "
                       f"{_describe(cluster)}; from "
                       + ", ".join(f"{source} {n}" for source, n in cluster["sources"].items()))
            for quote in cluster["quotes"]:
                click.echo(f"      \"{quote['text']}\" ({quote['source']}, {quote['date']})")
            if cluster["emerging"]:
                click.echo(f"      track it: repwatch emerging promote {cluster['id']} --name NAME")


@emerging.command("promote")
@click.argument("cluster_id", type=int)
@click.option("--name", required=True, help="The new theme's name, e.g. billing_error.")
@pass_app
def promote(app: AppContext, cluster_id: int, name: str) -> None:
    """Add a custom theme drawn from group CLUSTER_ID to the config file, for you to review."""
    with app.database.reading() as session:
        row = queries.get_cluster(session, cluster_id)
        cluster = None if row is None else {"id": row.id, **row.data}
    if cluster is None:
        raise click.BadParameter(f"no complaint group #{cluster_id}; `repwatch emerging` lists them",
                                 param_hint="CLUSTER_ID")
    if name in {theme.name for theme in app.config.themes.custom}:
        raise click.BadParameter(f"the config already has a custom theme {name!r}", param_hint="--name")
    try:
        block = promoted_theme(cluster, name)
        CustomTheme(**block)
    except (ValueError, ValidationError) as exc:
        message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise click.BadParameter(message, param_hint="--name") from exc
    _append_theme(app.config_path, block, f"promoted from complaint group #{cluster_id} "
                  f"(\"{cluster['label']}\", {cluster['count']} mentions): review before the next run")
    click.echo(f"added custom theme {name!r} to {app.config_path}:")
    click.echo(f"  description: {block['description']}")
    for example in block["examples"]:
        click.echo(f"  - {example}")
    click.echo("Edit the description and examples if they miss the point, then "
               "`repwatch config check`; the next tagging run tracks it.")


def _append_theme(path: Path, block: dict[str, Any], note: str) -> None:
    """Append to themes.custom, keeping the file's comments and layout (ruamel's round trip)."""
    yaml = YAML()
    yaml.width = 110
    document = yaml.load(path.read_text(encoding="utf-8"))
    themes = document.setdefault("themes", CommentedMap())
    if themes is None:
        themes = document["themes"] = CommentedMap()
    custom = themes.get("custom")
    if not isinstance(custom, CommentedSeq):
        custom = themes["custom"] = CommentedSeq()
    entry = CommentedMap(block)
    entry["examples"] = CommentedSeq(block["examples"])
    custom.append(entry)
    custom.yaml_set_comment_before_after_key(len(custom) - 1, before=note, indent=4)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle)
