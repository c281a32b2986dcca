"""Alembic environment: runs with the engine handed over by storage.db (no alembic.ini)."""

from alembic import context

from storage.models import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    if connection.dialect.name == "sqlite":
        # pysqlite runs DDL outside any transaction, so a process killed mid-migration would
        # leave half a schema that no later start can migrate; one explicit transaction instead.
        connection.exec_driver_sql("BEGIN")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
