"""Alembic environment: runs with the engine handed over by storage.db (no alembic.ini)."""

from alembic import context

from storage.models import Base

engine = context.config.attributes["engine"]

# One transaction for the whole upgrade, on SQLite too (storage.db opens SQLite transactions
# itself), so a process killed mid-migration leaves the schema as it was, never half-built.
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
