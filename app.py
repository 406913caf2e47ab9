"""Application factory: configuration, extensions, blueprints, hooks, error pages and CLI."""

from __future__ import annotations

from importlib import import_module

from flask import Flask
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

import config as app_config
import error_pages
import login_sessions
import models
import navigation
import security_headers
import template_filters
from extensions import csrf, db, limiter, login_manager, migrate
from permissions import enforce_declared_permission


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(app_config.INSTANCE_PATH))
    app.config.update(app_config.from_environment())
    if config:
        app.config.update(config)
    app_config.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])

    register_extensions(app)
    register_blueprints(app)
    app.before_request(enforce_declared_permission)
    security_headers.init_app(app)
    error_pages.init_app(app)
    navigation.init_app(app)
    template_filters.init_app(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    models.import_all()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app_config.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.refresh_view = "auth.reauthenticate"
    login_manager.session_protection = "strong"
    login_manager.user_loader(login_sessions.load)
    from blueprints.auth import needs_refresh, unauthorized

    login_manager.unauthorized_handler(unauthorized)
    login_manager.needs_refresh_handler(needs_refresh)
    app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlite_pragmas import enable_sqlite_pragmas

        with app.app_context():
            enable_sqlite_pragmas(db.engine)


BLUEPRINTS = (
    "accounts",
    "auth",
    "channel_wizard",
    "channels",
    "health",
    "home",
    "mappings",
    "orders",
    "products",
    "sync",
    "users",
    "warehouses",
)


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"blueprints.{name}").bp)


def register_commands(app: Flask) -> None:
    from demo_data import demo_cli
    from token_rotation import tokens_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(tokens_cli)
