"""Extension instances, unbound; create_app binds them. Plus the app's Redis client and the SQLite pragmas of
the embedded default."""

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from redis import Redis
from sqlalchemy import event
from sqlalchemy.engine import Engine

from models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
_REDIS = "redis"  # the app.extensions key (tests swap the client there to take Redis down)


def init_redis(app: Flask) -> None:
    app.extensions[_REDIS] = Redis.from_url(app.config["REDIS_URL"])


def redis_client() -> Redis:
    """The current app's Redis: the sync queue, caches, wizard drafts, counters, the call rate."""
    return current_app.extensions[_REDIS]


def enable_sqlite_pragmas(engine: Engine) -> None:
    """SQLite as the embedded default: WAL so web and worker read while one writes; foreign keys on."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
