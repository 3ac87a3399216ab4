"""Database: SQLAlchemy 2 models, sessions (units of work) and Alembic migrations."""
