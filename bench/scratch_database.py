"""The database a multi-process bench runs on, migrated like production: a temporary SQLite file, or, when
DATABASE_URL is set, a PostgreSQL schema of its own (`bench_<name>`, emptied first), so the database's other
tables are never touched. Worker processes get the same URL (the schema travels in it as `search_path`)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from contextlib import redirect_stderr
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text


def schema_url(base: str, schema: str, *, fresh: bool = True) -> str:
    """The PostgreSQL URL `base` with `schema` as its search_path; `fresh`: the schema dropped (with all it
    holds) and made again first."""
    if fresh:
        engine = create_engine(base)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def database_url(work: Path, name: str) -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        return f"sqlite:///{work / f'{name}.sqlite3'}"
    return schema_url(base, f"bench_{name}")


def migrate_fresh(schema: str) -> None:
    """In an app context whose engine's search_path is `schema`: on PostgreSQL the schema is dropped (with
    all it holds) and made again; then the database is migrated."""
    from extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    upgrade()


def scratch_app_factory(work: Path, name: str) -> Callable[[str], Flask]:
    """make_app(redis_url): the app on the bench's (migrated) database and that Redis."""
    url = database_url(work, name)

    def make_app(redis_url: str) -> Flask:
        from app import create_app  # here: the bench sets the instance path before config is imported

        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": "memory://"}
        )
        with app.app_context(), redirect_stderr(io.StringIO()):  # Alembic's log of every migration
            upgrade()
        return app

    return make_app
