"""Application factory: configuration, extensions, blueprints, hooks, error pages and CLI."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as app_config
import models
from blueprints import (
    accounts,
    alerts,
    api,
    api_cost,
    api_keys,
    auth,
    channel_live,
    channel_wizard,
    channels,
    health,
    home,
    invitations,
    mappings,
    metrics,
    mfa,
    order_holds,
    order_push,
    order_push_intake,
    order_timeline,
    order_writes,
    orders,
    privacy,
    products,
    shipments,
    stock_tab,
    sync,
    users,
    warehouses,
    webhooks,
)
from cli.demo_seed import demo_cli
from cli.tokens import tokens_cli
from extensions import csrf, db, enable_sqlite_pragmas, init_redis, limiter, migrate
from observability import json_logs
from permissions import enforce_declared_permission
from run_queue.enqueue import enqueue_started
from sync import start
from web import (
    api_requests,
    error_pages,
    id_converter,
    login_sessions,
    navigation,
    request_bodies,
    request_logs,
    second_factor,
    security_headers,
    template_filters,
)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(app_config.INSTANCE_PATH))
    app.config.update(app_config.from_environment())
    if config:
        app.config.update(config)
    app_config.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    if not app.testing:  # tests capture logging themselves
        json_logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])

    register_extensions(app)
    start.install_dispatcher(app, enqueue_started)  # runs started in a transaction are queued once it commits
    id_converter.init_app(app)  # before the blueprints: their `<int:…>` rules are compiled as they register
    register_blueprints(app)
    # Browsers ask for /favicon.ico whatever the page says: static/favicon.ico, under the public endpoint.
    app.add_url_rule("/favicon.ico", endpoint="static", defaults={"filename": "favicon.ico"})
    request_logs.init_app(app)  # first: every request, even a refused one, has its id
    app.before_request(enforce_declared_permission)
    second_factor.init_app(app)  # after the permission check: a refusal stays a refusal
    request_bodies.init_app(app)
    security_headers.init_app(app)
    error_pages.init_app(app)
    navigation.init_app(app)
    template_filters.init_app(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    models.import_all()
    _name_database_connections(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app_config.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_sessions.init_app(app)
    api_requests.init_app(app)
    init_redis(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            enable_sqlite_pragmas(db.engine)


def _name_database_connections(app: Flask) -> None:
    """PostgreSQL lists each connection with its application_name (pg_stat_activity): which process waits on
    a lock, or holds one, is then plain to see."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        connect_args = options.setdefault("connect_args", {})
        connect_args.setdefault("application_name", app.config["DATABASE_APPLICATION_NAME"])


# Every blueprint, imported by name above so import-linter and a reader see each edge.
BLUEPRINTS = (
    accounts.bp,
    alerts.bp,
    api.bp,
    api_cost.bp,
    api_keys.bp,
    auth.bp,
    channel_live.bp,
    channel_wizard.bp,
    channels.bp,
    health.bp,
    home.bp,
    order_push_intake.bp,
    invitations.bp,
    mappings.bp,
    metrics.bp,
    mfa.bp,
    order_holds.bp,
    order_push.bp,
    order_timeline.bp,
    order_writes.bp,
    orders.bp,
    privacy.bp,
    products.bp,
    shipments.bp,
    stock_tab.bp,
    sync.bp,
    users.bp,
    warehouses.bp,
    webhooks.bp,
)


def register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(tokens_cli)
