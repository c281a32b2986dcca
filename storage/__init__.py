"""Storage: SQLAlchemy models, migrations, and the only SQL in repwatch."""

from storage.db import Database, StorageError

__all__ = ["Database", "StorageError"]
