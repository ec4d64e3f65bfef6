"""Database layer: engine, sessions, ORM models and Alembic migrations. Never imports core."""
