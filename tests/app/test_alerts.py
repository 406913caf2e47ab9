"""Alerts (issue 15): one alert when a channel becomes unhealthy (token refused, breaker open, a flow failing
for longer than the set time) and one when it recovers, never one per failed run; e-mails go to the outbox
folder in development and the Outbox page lists them; recipients and the webhook are per account, the webhook
held to the Shop Domain guard's host rules. Real simulator, real Redis, a real RQ worker."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from jobs.alert_jobs import evaluate_alerts
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.alerts import Alert, AlertKind, AlertSettings
from models.base import utcnow
from models.tenancy import Role
from sync import runs
from sync.start import start_run
from tests.support.sync import catalog_for, make_store, sync_channel, work
from tests.support.world import ROLE_EMAILS


@pytest.fixture
def outbox(tmp_path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def app_config(app_config, outbox):
    app_config.update(
        SYNC_CLIENT_RETRIES=0,
        SYNC_RETRY_INTERVALS=[],
        BREAKER_FAILURES=2,
        ALERT_OUTBOX=str(outbox),
        ALERT_FAILING_MINUTES=30,
        SMTP_HOST="",
    )
    return app_config


def alerts_of(channel) -> list[Alert]:
    db.session.expire_all()
    return list(db.session.scalars(select(Alert).where(Alert.channel_id == channel.id).order_by(Alert.id)))


def run_now(channel, trigger=SyncTrigger.MANUAL) -> SyncRun:
    run, created = start_run(channel, SyncAction.IMPORT_ORDERS, trigger)
    assert created
    db.session.commit()  # queues its job
    work()
    return db.session.get(SyncRun, run.id)


def recipients(account, *addresses, webhook=""):
    db.session.add(AlertSettings(account_id=account.id, recipients="\n".join(addresses), webhook_url=webhook))
    db.session.commit()


def test_one_alert_per_outage_across_many_failed_runs(app, client, login, simulator, world, outbox):
    store = make_store(simulator, seed=6, products=2, orders=3, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    recipients(world.a.account, "ops@example.com", "oncall@example.com")
    assert evaluate_alerts() == 0  # healthy at first sight: no message
    simulator.set_faults(store, error_rate=1.0)

    for _ in range(6):  # the breaker opens after two; every run fails; the cron looks after each one
        assert run_now(channel).status == RunStatus.FAILED
        evaluate_alerts()
        work()  # sends what was queued
    unhealthy = alerts_of(channel)
    assert [a.kind for a in unhealthy] == [AlertKind.UNHEALTHY]
    assert "circuit breaker is open" in unhealthy[0].body

    simulator.reset_faults(store)
    assert run_now(channel).status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)  # by hand: closes the breaker
    for _ in range(3):
        evaluate_alerts()
        work()
    sent = alerts_of(channel)
    assert [a.kind for a in sent] == [AlertKind.UNHEALTHY, AlertKind.RECOVERED]
    assert all(a.sent_at is not None and a.error == "" for a in sent)

    files = sorted(outbox.iterdir())
    assert [f.name for f in files] == [
        f"alert-{sent[0].id}-unhealthy.eml",
        f"alert-{sent[1].id}-recovered.eml",
    ]
    message = message_from_bytes(files[0].read_bytes())
    assert message["To"] == "ops@example.com, oncall@example.com"
    assert message["Subject"] == f"techOMS: {channel.name} is unhealthy"
    assert store.token not in files[0].read_text()

    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get("/alerts/outbox").text
    assert f"techOMS: {channel.name} is unhealthy" in page and f"techOMS: {channel.name} recovered" in page
    assert f"Written to the outbox: alert-{sent[0].id}-unhealthy.eml." in page


def test_a_flow_failing_longer_than_the_set_time(app, world):
    channel = world.a.channel
    channel.token_ciphertext = "x"
    db.session.commit()

    def ended(status, minutes_ago):
        run = runs.new_run(channel, SyncAction.EXPORT_SHIPMENTS, SyncTrigger.SCHEDULED)  # a past run, ended
        db.session.add(run)
        db.session.flush()
        level = EventLevel.INFO if status != RunStatus.FAILED else EventLevel.ERROR
        runs.finish(run, runs.Outcome(status, "x", level))
        run.finished_at = utcnow() - timedelta(minutes=minutes_ago)
        db.session.commit()

    ended(RunStatus.SUCCEEDED, 120)
    ended(RunStatus.FAILED, 20)  # failing for 20 minutes: not yet (30)
    assert evaluate_alerts() == 0
    ended(RunStatus.FAILED, 10)
    assert evaluate_alerts() == 0
    for failed in db.session.scalars(select(SyncRun).where(SyncRun.status == RunStatus.FAILED)):
        failed.finished_at -= timedelta(minutes=15)
    db.session.commit()  # the first failure is now 35 minutes old
    assert evaluate_alerts() == 1
    [alert] = alerts_of(channel)
    assert "Export shipments has been failing since" in alert.body
    assert evaluate_alerts() == 0
    ended(RunStatus.SUCCEEDED, 0)
    assert evaluate_alerts() == 1
    assert [a.kind for a in alerts_of(channel)] == [AlertKind.UNHEALTHY, AlertKind.RECOVERED]
    work()
    assert alerts_of(channel)[-1].delivery == "No recipients or webhook set for this account."


def test_a_refused_token_is_unhealthy_and_its_replacement_recovers(app, world):
    channel = world.a.channel
    channel.token_refused_at = utcnow()
    db.session.commit()
    assert evaluate_alerts() == 1
    assert "refused the access token" in alerts_of(channel)[0].body
    channel.token_refused_at = None
    db.session.commit()
    assert evaluate_alerts() == 1 and evaluate_alerts() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://localhost/x",
        "https://127.0.0.1/x",
        "https://10.0.0.5/hook",
        "https://[::1]/hook",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com:8443/x",
        "https://0x7f000001/x",
        "file:///etc/passwd",
    ],
)
def test_the_webhook_follows_the_shop_domain_host_rules(client, login, world, url):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post("/alerts/", data={"recipients": "ops@example.com", "webhook_url": url})
    assert response.status_code == 422
    assert 'value="' + url.replace("&", "&amp;") + '"' in response.text  # kept for correcting
    assert db.session.get(AlertSettings, world.a.account.id) is None


def test_alert_settings_are_saved_per_account_by_its_admins(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        "/alerts/",
        data={"recipients": "Ops@Example.com, ops@example.com\nboss@example.org", "webhook_url": ""},
    )
    assert response.status_code == 200 and "Alert settings saved." in response.text
    saved = db.session.get(AlertSettings, world.a.account.id)
    assert saved.recipients == "ops@example.com\nboss@example.org" and saved.webhook_url == ""
    bad = client.post("/alerts/", data={"recipients": "not-an-address", "webhook_url": ""})
    assert bad.status_code == 422 and "not-an-address is not an e-mail address." in bad.text


def test_account_users_see_no_alert_settings(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.get("/alerts/").status_code == 403
    assert client.get("/alerts/outbox").status_code == 403
    assert "Alerts</a>" not in client.get("/channels/").text
