"""An empty database of its own for a migration test, on the engine the suite runs on: a SQLite file in the
test's directory, or, when DATABASE_URL is PostgreSQL, a schema of its own (dropped after), reached through
`search_path`, so the suite's tables are never touched. Migrations run on it as production runs them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, text

from app import create_app
from extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def head_revision() -> str:
    """The newest migration, read from the scripts (so these tests never name a head a later one replaces)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def is_postgresql() -> bool:
    return (os.environ.get("DATABASE_URL") or "").startswith("postgresql")


@contextmanager
def empty_database_app(work: Path, redis_url: str) -> Iterator[Flask]:
    """The app on an empty database (no table, no alembic_version), inside its app context."""
    base = os.environ.get("DATABASE_URL") or ""
    schema = None
    if base.startswith("postgresql"):
        schema = f"migration_{uuid.uuid4().hex[:12]}"
        _admin(base, f"CREATE SCHEMA {schema}")
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{work / f'migration-{uuid.uuid4().hex[:8]}.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-with-at-least-32-characters",
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    try:
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        if schema:
            _admin(base, f"DROP SCHEMA {schema} CASCADE")


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def current_revision() -> str | None:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
