"""Request ids, the request's log context and the access line (LOG-04, LOG-05 in JSON form)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import event, text

from extensions import db
from models.tenancy import Role
from tests.support.log_capture import captured_logs
from tests.support.sync import import_now, make_store, sync_channel
from tests.support.world import PASSWORD, ROLE_EMAILS


def test_a_sane_request_id_is_kept_and_echoed_else_a_new_one(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "lb-abc.123"}).headers["X-Request-ID"] == "lb-abc.123"
    )
    for bad in ("x" * 200, "a b", "id;Set-Cookie", ""):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad and len(echoed) == 32


def test_a_login_name_with_a_newline_is_one_record_with_who_when_where(client, world):
    with captured_logs() as logs:
        client.post(
            "/login",
            data={
                "email": 'x@example.com\n{"logger": "techoms.security", "message": "login succeeded"}',
                "password": "x",
            },
            headers={"X-Request-ID": "req-login-1"},
        )
    records = [json.loads(line) for line in logs.lines()]  # every line parses: nothing was forged
    security = [r for r in records if r["logger"] == "techoms.security"]
    assert [r["message"] for r in security] == ["login failed"]
    (event,) = security
    assert event["request_id"] == "req-login-1" and event["ip"] == "127.0.0.1"
    assert event["time"].endswith("Z")


def test_security_events_name_the_user_and_the_account(client, world, login):
    with captured_logs() as logs:
        client.post("/login", data={"email": ROLE_EMAILS[Role.ACCOUNT_USER], "password": PASSWORD})
        client.get("/users/")  # an account user may not manage users: access denied
    security = logs.records("techoms.security")
    succeeded = next(r for r in security if r["message"] == "login succeeded")
    denied = next(r for r in security if r["message"] == "access denied")
    assert succeeded["user_id"] == denied["user_id"]
    assert denied["account_id"] == world.a.account.id and denied["request_id"]
    (access,) = [r for r in logs.records("techoms.access") if r["path"] == "/users/"]
    assert access["status"] == 403 and access["user_id"] == denied["user_id"]
    assert access["request_id"] == denied["request_id"] and access["account_id"] == world.a.account.id


def test_the_access_line_has_no_query_string_and_no_secret_path_segment(client):
    with captured_logs() as logs:
        client.get("/login?next=/x&token=SENTINEL-QUERY", headers={"X-Request-ID": "req-2"})
        client.post("/intake/brightsites/pub123/SENTINEL-PATH")
    access = logs.records("techoms.access")
    assert [(r["method"], r["path"]) for r in access] == [
        ("GET", "/login"),
        ("POST", "/intake/brightsites/pub123/***"),
    ]
    assert access[0]["request_id"] == "req-2" and access[0]["status"] == 200
    assert "SENTINEL" not in logs.text


def test_logout_is_a_security_event(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    with captured_logs() as logs:
        client.post("/logout")
    (event,) = [r for r in logs.records("techoms.security") if r["message"] == "logout"]
    assert event["user_id"] and event["request_id"] and event["time"].endswith("Z")


def test_a_run_logs_its_request_start_and_end_with_its_ids(simulator, world):
    store = make_store(simulator, seed=2, products=3, orders=4)
    channel = sync_channel(store, world.a.account)
    with captured_logs() as logs:
        run = import_now(channel)
    lines = [r for r in logs.records("techoms.sync") if r.get("run_id") == run.id]
    assert [r["message"] for r in lines] == ["sync run requested", "sync run started", "sync run ended"]
    assert all(r["channel_id"] == channel.id and r["account_id"] == world.a.account.id for r in lines)
    assert lines[-1]["status"] == run.status.value and lines[-1]["job_id"] == f"sync-run-{run.id}"


def test_the_access_line_says_what_the_request_spent(client, world, login, app):
    """CPU time, and the database statements with their time, as counted beside the app by a listener of its
    own on the same engine."""
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", count)
    try:
        with captured_logs() as logs:
            client.get("/users/")
    finally:
        event.remove(engine, "after_cursor_execute", count)
    (access,) = [r for r in logs.records("techoms.access") if r["path"] == "/users/"]
    assert access["status"] == 200 and access["db_statements"] == len(seen) > 0
    assert 0 < access["db_ms"] <= access["duration_ms"] and access["cpu_ms"] >= 0
    if Path("/proc/thread-self/schedstat").exists():  # Linux: the time the request waited for a CPU
        assert 0 <= access["cpu_wait_in_db_ms"] <= access["cpu_wait_ms"] <= access["duration_ms"]


def test_statements_outside_a_request_are_not_timed(app):
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        assert "_techoms_statement_started" not in connection.info  # a worker's statements cost nothing


def test_postgresql_connections_carry_the_processs_application_name(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("application_name is PostgreSQL's")
    with app.app_context():
        name = db.session.scalar(text("SELECT current_setting('application_name')"))
    assert name == app.config["DATABASE_APPLICATION_NAME"] == "techoms-web"
