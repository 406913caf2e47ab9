"""/healthz and /readyz: public, sessionless, ok or failing per check only, 503 when one fails."""

from __future__ import annotations

from datetime import timedelta

from redis import Redis

from models.base import utcnow
from run_queue.enqueue import sync_queue
from services import cron_heartbeat
from tests.support.sync import redis
from web.api_requests import API_MESSAGES


def heartbeat(seconds_ago: float = 0) -> None:
    cron_heartbeat.beat(redis(), utcnow() - timedelta(seconds=seconds_ago))


def test_liveness_is_public_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_ready_when_every_check_passes(client):
    heartbeat()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "queue": "ok", "cron": "ok"},
    }
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_not_ready_without_a_recent_cron_heartbeat(client, app):
    response = client.get("/readyz")  # never ticked
    assert response.status_code == 503 and response.json["checks"]["cron"] == "failing"
    heartbeat(seconds_ago=app.config["CRON_HEARTBEAT_MAX_AGE"] + 5)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "status": "failing",
        "checks": {"database": "ok", "redis": "ok", "queue": "ok", "cron": "failing"},
    }


def test_not_ready_when_the_queue_piles_up(client, app):
    heartbeat()
    app.config["READY_MAX_QUEUE_DEPTH"] = 1
    for n in range(2):
        sync_queue().enqueue("jobs.sync_jobs.run_sync", args=(10_000 + n,))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["queue"] == "failing"


def test_not_ready_when_redis_is_unreachable(client, app):
    heartbeat()
    app.extensions["redis"] = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": "ok",
        "redis": "failing",
        "queue": "failing",
        "cron": "failing",
    }
    assert b"127.0.0.1" not in response.data and b"Error" not in response.data


def test_not_ready_when_the_database_is_unreachable(make_app, app_config):
    broken = make_app(
        {**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:pw@127.0.0.1:1/none"}
    )
    cron_heartbeat.beat(broken.extensions["redis"], utcnow())
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["database"] == "failing"
    assert response.json["checks"]["redis"] == "ok" and b"nobody" not in response.data


def test_probes_answer_their_errors_as_json_without_a_session(client):
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.post(path)
        assert response.status_code == 405 and response.is_json, path
        assert "Set-Cookie" not in response.headers
    assert client.get("/metrics").json == {"errors": {"request": [API_MESSAGES[404]]}}
