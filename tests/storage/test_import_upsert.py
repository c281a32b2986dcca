"""`upsert_imported` on a SQLite file and on PostgreSQL: an edited row takes the new content and
loses its tags (to be tagged again); an unchanged row keeps them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from collector.mention import Mention
from storage.db import Database
from storage.mentions import ensure_source, upsert_imported
from storage.models import MentionRow, MentionTheme, Tag
from storage.tagging import count_pending

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def ticket(n: int, text: str, rating: int | None = None) -> Mention:
    return Mention(f"T{n}", text, NOW, rating=rating, metrics={"replies": n})


def test_changed_rows_are_updated_and_untagged(database: Database) -> None:
    with database.session() as session:
        source = ensure_source(session, "zendesk", "file_import", "Acme")
        first = upsert_imported(session, source, [ticket(1, "slow"), ticket(2, "rude"), ticket(3, "ok")])
        assert (first.new, first.updated, first.duplicates) == (3, 0, 0)
        for row in session.scalars(select(MentionRow)):
            session.add(Tag(mention_id=row.id, sentiment="negative", model_version="m", tagged_at=NOW))
            session.add(MentionTheme(mention_id=row.id, theme="slow_response", score=0.8))
    with database.session() as session:
        source = ensure_source(session, "zendesk", "file_import", "Acme")
        again = upsert_imported(session, source, [
            ticket(1, "slow"), ticket(2, "rude, then fixed"), ticket(3, "ok", rating=4), ticket(4, "new")])
        assert (again.new, again.updated, again.duplicates) == (1, 2, 1)
    with database.session() as session:
        rows = {row.external_id: row for row in session.scalars(select(MentionRow))}
        assert rows["T2"].text == "rude, then fixed" and rows["T3"].rating == 4
        tagged = set(session.scalars(select(Tag.mention_id)))
        assert tagged == set(session.scalars(select(MentionTheme.mention_id)))
        # T2's text changed: tagged again; T3 only got a rating: its tags still hold.
        assert tagged == {rows["T1"].id, rows["T3"].id}
        assert count_pending(session) == 2
