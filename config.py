"""Configuration: defaults for development, overridden by the environment, then by create_app(config)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
INSTANCE_PATH = Path(os.environ.get("TECHOMS_INSTANCE_PATH", PROJECT_ROOT / "instance"))
EMBEDDED_REDIS_SOCKET = INSTANCE_PATH / "redis.sock"


class ConfigError(RuntimeError):
    """The configuration cannot run safely (e.g. production without a secret key)."""


def _sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_PATH / 'techoms.sqlite3'}"


def _embedded_redis_url() -> str:
    return f"unix://{EMBEDDED_REDIS_SOCKET}"


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def from_environment() -> dict:
    """Defaults plus the environment. Secrets have development defaults only outside production."""
    env = os.environ.get("TECHOMS_ENV", "development")
    production = env == "production"
    redis_url = os.environ.get("REDIS_URL") or _embedded_redis_url()
    config: dict = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY")
        or ("" if production else "dev-only-secret-key-not-for-production"),
        "SECRET_KEY_FALLBACKS": _split(os.environ.get("SECRET_KEY_FALLBACKS")),
        "TOKEN_ENCRYPTION_KEYS": _split(os.environ.get("TOKEN_ENCRYPTION_KEYS"))
        or ([] if production else ["ZGV2LW9ubHktdG9rZW4ta2V5LW5vdC1mb3ItcHJvZC0="]),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or _sqlite_url(),
        # This process's connections in pg_stat_activity: the web, a worker (techoms-worker) or the cron.
        "DATABASE_APPLICATION_NAME": os.environ.get("DATABASE_APPLICATION_NAME", "techoms-web"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": _limits_storage_uri(redis_url),
        # Session cookie (SES-01): the __Host- prefix needs Secure, which needs HTTPS, so production only.
        "SESSION_COOKIE_NAME": "__Host-techoms" if production else "techoms_session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        # Server-side limits, checked on every request against the login session row (SES-06).
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "10"))),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which has its own limits
        "WTF_CSRF_SSL_STRICT": True,
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR", "0")),
        "LOGIN_LIMITS_PER_EMAIL": os.environ.get("LOGIN_LIMITS_PER_EMAIL", "5/minute;20/hour"),
        "LOGIN_LIMITS_PER_IP": os.environ.get("LOGIN_LIMITS_PER_IP", "100/hour"),
        # Roles (Role values) that must use a second factor (TOTP) to log in (AUTH-05); anyone else may.
        "MFA_REQUIRED_ROLES": _split(os.environ.get("MFA_REQUIRED_ROLES")) or ["org_owner", "org_admin"],
        # Routes that make billed calls to a store (web/store_call_limits.py): one budget across them.
        "STORE_CALL_LIMITS_PER_USER": os.environ.get("STORE_CALL_LIMITS_PER_USER", "10/minute;60/hour"),
        "STORE_CALL_LIMITS_PER_CHANNEL": os.environ.get("STORE_CALL_LIMITS_PER_CHANNEL", "10/minute;60/hour"),
        # Host-system API: calls per key, and wrong keys per client address, before 429.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120/minute"),
        "API_AUTH_FAILURE_LIMIT": os.environ.get("API_AUTH_FAILURE_LIMIT", "20/minute"),
        # Order push intake: pushes per channel before 429 (a store pushes as orders are placed).
        "ORDER_PUSH_RATE_LIMIT": os.environ.get("ORDER_PUSH_RATE_LIMIT", "600/minute"),
        # ...and wrong intake URLs per client address (they never count against a channel).
        "ORDER_PUSH_FAILURE_LIMIT": os.environ.get("ORDER_PUSH_FAILURE_LIMIT", "30/minute"),
        # The orders list counts at most this many matching orders for its pager (an exact count of a busy
        # account's year walks every order); past it the list says "10,000+" and pages on.
        "ORDER_COUNT_CAP": int(os.environ.get("ORDER_COUNT_CAP", "10000")),
        # ...and the channel list each channel's orders imported in all ("1,000+" past it), a probe a channel.
        "CHANNEL_ORDER_COUNT_CAP": int(os.environ.get("CHANNEL_ORDER_COUNT_CAP", "1000")),
        "TRUSTED_HOSTS": _split(os.environ.get("TRUSTED_HOSTS")) or None,
        # Bright Sites: where *.mybrightsites.com goes. Only configuration sets this; never user input.
        "BRIGHTSITES_ROUTE_TO": os.environ.get("BRIGHTSITES_ROUTE_TO")
        or (None if production else "http://127.0.0.1:5001"),
        "BRIGHTSITES_EXTRA_HOSTS": _split(os.environ.get("BRIGHTSITES_EXTRA_HOSTS")),
        # One call rate per store shared by every worker and web process (store_call_rate.py): calls a
        # second after a burst; 0 turns the shared limit off. A wait longer than the max is not slept: the
        # run is tried again later.
        "BRIGHTSITES_CALLS_PER_SECOND": float(os.environ.get("BRIGHTSITES_CALLS_PER_SECOND", "20")),
        "BRIGHTSITES_CALL_BURST": int(os.environ.get("BRIGHTSITES_CALL_BURST", "40")),
        "BRIGHTSITES_CALL_MAX_WAIT": float(os.environ.get("BRIGHTSITES_CALL_MAX_WAIT", "30")),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Event webhooks (sync/webhook_sending.py): first retry after the base, doubling up to the max,
        # given up after the window (and an endpoint with no success for the window is disabled).
        "WEBHOOK_RETRY_BASE_SECONDS": float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30")),
        "WEBHOOK_RETRY_MAX_SECONDS": float(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "3600")),
        "WEBHOOK_RETRY_WINDOW_HOURS": float(os.environ.get("WEBHOOK_RETRY_WINDOW_HOURS", "24")),
        "WEBHOOK_DISPATCH_SECONDS": float(os.environ.get("WEBHOOK_DISPATCH_SECONDS", "1")),
        # Requests in flight at once per endpoint, each for a different order (an order's events stay in
        # order): one sequential sender managed 15-20 deliveries a second.
        "WEBHOOK_PARALLEL_SENDS": int(os.environ.get("WEBHOOK_PARALLEL_SENDS", "8")),
        # The outbox and the webhook delivery log keep this many days (sync/outbox_retention.py); the purge
        # deletes settled events in batches of OUTBOX_PURGE_BATCH, queued by the cron once an hour.
        "OUTBOX_RETENTION_DAYS": float(os.environ.get("OUTBOX_RETENTION_DAYS", "30")),
        "OUTBOX_PURGE_BATCH": int(os.environ.get("OUTBOX_PURGE_BATCH", "1000")),
        # Development and benches only: every webhook goes to this base URL instead (path kept). Never input.
        "WEBHOOK_ROUTE_TO": None if production else os.environ.get("WEBHOOK_ROUTE_TO"),
        # Sync jobs: seconds before each retry of a run the store could not serve (RQ Retry; needs a worker
        # started --with-scheduler), and the client's own per-request retries and (connect, read) timeouts.
        "SYNC_RETRY_INTERVALS": [30, 120, 600],
        "SYNC_CLIENT_RETRIES": 3,
        # Seconds after a change of a variant's availability before each publishing channel's delta export
        # (services/inventory/publish_queue.py): changes within it ride on the same export.
        "INVENTORY_PUBLISH_DELAY": float(os.environ.get("INVENTORY_PUBLISH_DELAY", "30")),
        "SYNC_CLIENT_TIMEOUT": (5, 30),
        # Export shipments: a shipment whose request went out less than this long ago may still be in flight
        # (another runner, a worker declared dead too early): it is not looked for on the store, let alone
        # sent again, before then. More than the longest request (connect + read timeout), and a slow store.
        "SHIPMENT_SETTLE_SECONDS": int(os.environ.get("SHIPMENT_SETTLE_SECONDS", "90")),
        # The sweeper (sync/runs.py): how often a running run beats, after how long without a beat its worker
        # counts as dead, and how long a queued run may go without a job before it is queued again.
        "SYNC_HEARTBEAT_SECONDS": int(os.environ.get("SYNC_HEARTBEAT_SECONDS", "15")),
        "SYNC_STALE_AFTER_SECONDS": int(os.environ.get("SYNC_STALE_AFTER_SECONDS", "120")),
        "SYNC_QUEUED_SETTLE_SECONDS": int(os.environ.get("SYNC_QUEUED_SETTLE_SECONDS", "60")),
        # How often a worker tidies RQ's registries and takes over the scheduler (which runs the delayed
        # retries) from a worker that died: RQ's default is 10 minutes, a long stall for every retry.
        "WORKER_MAINTENANCE_SECONDS": int(os.environ.get("WORKER_MAINTENANCE_SECONDS", "60")),
        # A worker's CPU priority below the web's (0-19, jobs/cpu_priority.py): on a shared machine, pages go
        # first and a worker takes the CPU they leave.
        "WORKER_NICE": min(max(int(os.environ.get("WORKER_NICE", "19")), 0), 19),
        # The circuit breaker of each store (sync/breaker.py): consecutive failed attempts before scheduled
        # runs stop calling, the first pause in minutes (doubled after each failed probe) and its cap.
        "BREAKER_FAILURES": int(os.environ.get("BREAKER_FAILURES", "5")),
        "BREAKER_OPEN_MINUTES": int(os.environ.get("BREAKER_OPEN_MINUTES", "5")),
        "BREAKER_MAX_OPEN_MINUTES": int(os.environ.get("BREAKER_MAX_OPEN_MINUTES", "240")),
        # Failed orders whose retry costs a billed call (no JSON kept to reuse: the store did not answer, or
        # sent data techOMS cannot read): the imports' automatic retry waits this many minutes after the first
        # failure, doubled after each further one, up to the max (sync/pending_orders.py). A person's Retry,
        # and the order showing up changed in a listing, read it at once.
        "FAILED_ORDER_RETRY_MINUTES": float(os.environ.get("FAILED_ORDER_RETRY_MINUTES", "5")),
        "FAILED_ORDER_RETRY_MAX_MINUTES": float(os.environ.get("FAILED_ORDER_RETRY_MAX_MINUTES", "1440")),
        # Alerts: a flow whose runs fail for this long makes its channel unhealthy. E-mail goes through SMTP
        # when SMTP_HOST is set; otherwise (development) each message is a file in the outbox folder.
        "ALERT_FAILING_MINUTES": int(os.environ.get("ALERT_FAILING_MINUTES", "60")),
        "ALERT_FROM": os.environ.get("ALERT_FROM", "techoms-alerts@localhost"),
        "ALERT_OUTBOX": os.environ.get("ALERT_OUTBOX") or str(INSTANCE_PATH / "outbox"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "1") not in ("0", "false", "no"),
        # Operations: JSON log lines (or `text` for a terminal), readiness limits, the /metrics bearer token.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "CRON_HEARTBEAT_MAX_AGE": int(os.environ.get("CRON_HEARTBEAT_MAX_AGE", "300")),
        "READY_MAX_QUEUE_DEPTH": int(os.environ.get("READY_MAX_QUEUE_DEPTH", "10000")),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "METRICS_CACHE_SECONDS": int(os.environ.get("METRICS_CACHE_SECONDS", "10")),
    }
    if production:
        _check_production(config)
    return config


def _limits_storage_uri(redis_url: str) -> str:
    # The `limits` package names unix-socket Redis "redis+unix://".
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def _check_production(config: dict) -> None:
    if len(config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY must be set to at least 32 random characters in production")
    if not config["TOKEN_ENCRYPTION_KEYS"]:
        raise ConfigError("TOKEN_ENCRYPTION_KEYS must be set in production")
