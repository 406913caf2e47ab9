"""Privacy › Purge now (preview, confirmation, fresh password, a run in Sync Actions) and the confirmation a
lower retention threshold asks for before it is saved."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import SalesChannel
from models.tenancy import Role
from run_queue.enqueue import job_id, sync_queue
from tests.support.purge import closed_order, purged_ids
from tests.support.sync import work
from tests.support.world import PASSWORD, ROLE_EMAILS

ADMIN = ROLE_EMAILS[Role.ACCOUNT_ADMIN]


def channel_with(world, days: int | None, *, due: int = 0, recent: int = 0) -> SalesChannel:
    channel = world.a.channel
    channel.pii_retention_days = days
    db.session.commit()
    for n in range(due):
        closed_order(channel, utcnow() - timedelta(days=100), f"BS-DUE-{n}")
    for n in range(recent):
        closed_order(channel, utcnow() - timedelta(days=1), f"BS-RECENT-{n}")
    return channel


def purge_runs(channel) -> list[SyncRun]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SyncRun).where(SyncRun.channel_id == channel.id, SyncRun.action == SyncAction.PURGE_PII)
        )
    )


def retention(channel) -> int | None:
    db.session.expire_all()
    return db.session.get(SalesChannel, channel.id).pii_retention_days


def test_purge_now_previews_confirms_and_starts_a_run(client, world, login):
    channel = channel_with(world, 30, due=3, recent=2)
    login(ADMIN)
    page = client.get(f"/channels/{channel.id}/main").data.decode()
    assert f'href="/channels/{channel.id}/privacy/purge"' in page and "Purge now…" in page

    preview = client.get(f"/channels/{channel.id}/privacy/purge").data.decode()
    assert (
        "<strong>3 orders</strong> closed more than 30 days ago would lose their customer data now."
        in preview
    )
    response = client.post(f"/channels/{channel.id}/privacy/purge", data={})
    assert response.status_code == 422 and "Tick the box to confirm the purge" in response.data.decode()
    assert purge_runs(channel) == []

    response = client.post(f"/channels/{channel.id}/privacy/purge", data={"confirm": "y"})
    assert response.status_code == 303 and response.headers["Location"] == f"/channels/{channel.id}/sync"
    (run,) = purge_runs(channel)
    assert (run.status, run.trigger, run.requested_by_id) == (
        RunStatus.QUEUED,
        SyncTrigger.MANUAL,
        world.a.users[Role.ACCOUNT_ADMIN].id,
    )
    job = sync_queue().fetch_job(job_id(run))
    assert job.func_name == "jobs.sync_jobs.run_sync" and job.args == [run.id] and job.retries_left is None
    actions = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert "PII purge started." in actions and 'id="run-card-purge_pii"' in actions and "Purge PII" in actions

    # A second click while it is queued shows the same run instead of starting another.
    client.post(f"/channels/{channel.id}/privacy/purge", data={"confirm": "y"})
    assert len(purge_runs(channel)) == 1
    work()
    (run,) = purge_runs(channel)
    assert run.status == RunStatus.SUCCEEDED and run.counts["purged"] == 3 and len(purged_ids(channel)) == 3
    assert "3 purged" in client.get(f"/channels/{channel.id}/sync").data.decode()


def test_purge_now_needs_a_fresh_password(client, world, login):
    channel = channel_with(world, 30, due=1)
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(ADMIN)
        clock.shift(timedelta(minutes=15))
        for method in ("get", "post"):
            response = getattr(client, method)(f"/channels/{channel.id}/privacy/purge", data={"confirm": "y"})
            assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
        assert purge_runs(channel) == []
        response = client.post(
            f"/reauthenticate?next=/channels/{channel.id}/privacy/purge", data={"password": PASSWORD}
        )
        assert response.headers["Location"] == f"/channels/{channel.id}/privacy/purge"
        assert b"would lose its customer data now" in client.get(response.headers["Location"]).data


def test_purge_now_without_a_threshold_or_permission(client, world, login):
    channel = channel_with(world, None, due=2)
    login(ADMIN)
    assert b"Purge now" not in client.get(f"/channels/{channel.id}/main").data
    response = client.post(f"/channels/{channel.id}/privacy/purge", data={"confirm": "y"})
    assert response.status_code == 422 and b"Set a retention threshold first" in response.data
    assert purge_runs(channel) == []
    client.post("/logout")
    channel_with(world, 30)
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])  # edits settings, but not the retention
    assert b"Purge now" not in client.get(f"/channels/{channel.id}/main").data
    assert client.post(f"/channels/{channel.id}/privacy/purge", data={"confirm": "y"}).status_code == 403


def test_nothing_due_says_so(client, world, login):
    channel = channel_with(world, 30, recent=1)
    login(ADMIN)
    page = client.get(f"/channels/{channel.id}/privacy/purge").data.decode()
    assert "No order is due: none was closed more than 30 days ago" in page
    assert 'name="confirm"' not in page and ">Purge now</button>" not in page  # nothing to confirm or run


def test_a_lower_threshold_asks_before_it_is_saved(client, world, login):
    channel = channel_with(world, 365, due=2, recent=1)
    login(ADMIN)
    response = client.post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": "30"})
    page = response.data.decode()
    assert response.status_code == 200 and "this will purge <strong>2 orders</strong> at the next run" in page
    assert 'name="confirm_purge"' in page and 'form="privacy-form"' in page
    assert retention(channel) == 365  # nothing saved yet

    response = client.post(
        f"/channels/{channel.id}/privacy", data={"pii_retention_days": "30"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response.data.decode().lstrip().startswith("<section")
    assert b"this will purge <strong>2 orders</strong>" in response.data and retention(channel) == 365

    response = client.post(
        f"/channels/{channel.id}/privacy", data={"pii_retention_days": "30", "confirm_purge": "y"}
    )
    assert response.status_code == 303 and retention(channel) == 30
    assert purged_ids(channel) == set()  # the next run purges them, not the save


def test_thresholds_that_purge_nothing_more_save_at_once(client, world, login):
    channel = channel_with(world, 365, due=0, recent=1)
    login(ADMIN)
    post = client.post
    assert post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": "30"}).status_code == 303
    assert retention(channel) == 30  # lower, but nothing closed long enough ago
    assert post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": "400"}).status_code == 303
    assert retention(channel) == 400  # higher
    assert post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": ""}).status_code == 303
    assert retention(channel) is None  # keep forever
    closed_order(channel, utcnow() - timedelta(days=100), "BS-OLD")
    response = post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": "90"})
    assert b"this will purge <strong>1 order</strong>" in response.data  # from forever counts as lower
    assert retention(channel) is None
