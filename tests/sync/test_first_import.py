"""The first scheduled import follows the wizard's choice (issue 14, item 8): now, on schedule (one
interval after creation), or later (the schedule stays off until the user turns it on or imports by hand).
Driven through the wizard over HTTP; the cron tick and a real RQ worker run what is due."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from jobs.cron import tick
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import AuditEvent, SalesChannel, ScheduleStart
from models.tenancy import Role
from sync.schedule import due_channels
from tests.support import channel_steps as wizard
from tests.support.sync import work
from tests.support.world import ROLE_EMAILS


def create(client, store, first_import: str | None):
    draft = wizard.start(client)
    response = wizard.connect(
        client, draft, name=f"Store {first_import}", shop_domain=store.subdomain, token=store.token
    )
    assert b"First order import" in response.data
    assert b"that first import switches scheduled imports on (every 30 minutes)" in response.data
    data = {"draft_id": draft, "order_statuses": ["paid", "new"], "inventory_mode": "none"}
    if first_import:
        data["first_import"] = first_import
    response = client.post("/channels/new/options", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    channel = db.session.scalar(select(SalesChannel).order_by(SalesChannel.id.desc()))
    return channel, response


def due(channel, minutes_from_now: int = 0) -> bool:
    return channel in due_channels(SyncAction.IMPORT_ORDERS, utcnow() + timedelta(minutes=minutes_from_now))


def runs_of(channel) -> list[SyncRun]:
    db.session.expire_all()
    return db.session.scalars(select(SyncRun).where(SyncRun.channel_id == channel.id)).all()


def quiet_world(world) -> None:
    """The world's own channels point at stores that do not exist: keep them out of the cron tick."""
    world.a.channel.import_orders_every = world.b.channel.import_orders_every = None
    db.session.commit()


def test_later_is_the_default_and_nothing_runs_until_the_first_import_by_hand(client, login, world, bs_store):
    quiet_world(world)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel, _ = create(client, bs_store, None)
    assert channel.schedule_start == ScheduleStart.AFTER_FIRST_IMPORT and channel.import_orders_every is None
    tick()  # the cron's next minute
    assert runs_of(channel) == [] and not due(channel, 24 * 60)
    page = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert "Scheduled imports start with your first import by hand" in page

    answer = client.post(f"/channels/{channel.id}/sync/import-orders", follow_redirects=True).text
    # The schedule bills calls: switched on by this import, the user is told so in words.
    assert "Scheduled order imports are now on: every 30 minutes" in answer
    db.session.expire_all()
    channel = db.session.get(SalesChannel, channel.id)
    assert channel.import_orders_every == 30 and channel.schedule_start == ScheduleStart.AT_ONCE
    changed = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.channel_id == channel.id, AuditEvent.field == "import_orders_every"
        )
    )
    assert (changed.old_value, changed.new_value) == ("(empty)", "30")
    work()
    assert [run.trigger for run in runs_of(channel)] == [SyncTrigger.MANUAL]
    assert not due(channel, 29) and due(channel, 31)  # the schedule counts from the import by hand


def test_later_then_the_user_turns_the_schedule_on(client, login, world, bs_store):
    quiet_world(world)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel, _ = create(client, bs_store, "later")
    main = {
        "status": "active",
        "import_orders_every": "15",
        "export_shipments_every": "30",
        "export_inventory_every": "1440",
    }
    assert client.post(f"/channels/{channel.id}/main", data=main).status_code == 303
    db.session.expire_all()
    assert due(channel)
    tick()
    assert [run.trigger for run in runs_of(channel)] == [SyncTrigger.SCHEDULED]
    assert db.session.get(SalesChannel, channel.id).schedule_start == ScheduleStart.AT_ONCE
    # Switched off again later, an import by hand does not switch it back on.
    main["import_orders_every"] = ""
    client.post(f"/channels/{channel.id}/main", data=main)
    work()
    answer = client.post(f"/channels/{channel.id}/sync/import-orders", follow_redirects=True).text
    assert "Order import started." in answer and "Scheduled order imports are now on" not in answer
    db.session.expire_all()
    assert db.session.get(SalesChannel, channel.id).import_orders_every is None


def test_on_schedule_waits_one_interval_after_creation(client, login, world, bs_store):
    quiet_world(world)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel, _ = create(client, bs_store, "schedule")
    assert channel.schedule_start == ScheduleStart.AFTER_INTERVAL and channel.import_orders_every == 30
    tick()
    assert runs_of(channel) == []
    assert not due(channel, 29) and due(channel, 31)
    page = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert re.search(r"Scheduled: every 30 minutes, next around", page)


def test_now_starts_the_first_import_with_the_channel(client, login, world, bs_store):
    quiet_world(world)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel, response = create(client, bs_store, "now")
    assert response.headers["Location"].endswith(f"/channels/{channel.id}/sync")
    (run,) = runs_of(channel)
    assert run.trigger == SyncTrigger.MANUAL and run.status == RunStatus.QUEUED
    page = client.get(response.headers["Location"]).data.decode()
    assert "its first order import started" in page
    work()
    assert runs_of(channel)[0].status.is_final
    tick()
    assert len(runs_of(channel)) == 1 and not due(channel, 29) and due(channel, 31)


def test_an_unknown_choice_is_refused_and_nothing_is_created(client, login, world, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    draft = wizard.start(client)
    wizard.connect(client, draft, name="Odd", shop_domain=bs_store.subdomain, token=bs_store.token)
    response = client.post(
        "/channels/new/options",
        data={
            "draft_id": draft,
            "order_statuses": ["paid"],
            "inventory_mode": "none",
            "first_import": "sometime",
        },
    )
    assert response.status_code == 422 and b"Not a valid choice" in response.data
    assert db.session.scalar(select(SalesChannel).where(SalesChannel.name == "Odd")) is None
