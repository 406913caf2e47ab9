"""sync.runs.last_runs: the latest run of each channel and action (channel list, overview, channel pages), one
query for any number of channels, each pair its own newest run whatever the other pairs hold."""

from __future__ import annotations

from sqlalchemy import event

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.channels import SalesChannel
from sync.runs import last_runs


def add_run(channel: SalesChannel, action: SyncAction, status: RunStatus = RunStatus.SUCCEEDED) -> SyncRun:
    run = SyncRun(
        account_id=channel.account_id,
        channel_id=channel.id,
        action=action,
        trigger=SyncTrigger.MANUAL,
        status=status,
    )
    db.session.add(run)
    db.session.commit()
    return run


def test_each_channel_and_action_gets_its_own_latest_run(world):
    a, b = world.a.channel, world.b.channel
    add_run(a, SyncAction.IMPORT_ORDERS)
    newest_a_import = add_run(a, SyncAction.IMPORT_ORDERS, RunStatus.FAILED)
    a_export = add_run(a, SyncAction.EXPORT_SHIPMENTS)
    add_run(b, SyncAction.IMPORT_ORDERS)
    b_purge = add_run(b, SyncAction.PURGE_PII)
    newest_b_import = add_run(b, SyncAction.IMPORT_ORDERS)
    add_run(a, SyncAction.IMPORT_PUSHED)
    latest = last_runs([a.id, b.id])
    assert {key: run.id for key, run in latest.items()} == {
        (a.id, SyncAction.IMPORT_ORDERS): newest_a_import.id,
        (a.id, SyncAction.EXPORT_SHIPMENTS): a_export.id,
        (a.id, SyncAction.IMPORT_PUSHED): latest[(a.id, SyncAction.IMPORT_PUSHED)].id,
        (b.id, SyncAction.IMPORT_ORDERS): newest_b_import.id,
        (b.id, SyncAction.PURGE_PII): b_purge.id,
    }
    assert latest[(a.id, SyncAction.IMPORT_ORDERS)].status == RunStatus.FAILED
    assert last_runs([b.id]) == {key: run for key, run in latest.items() if key[0] == b.id}
    assert last_runs([]) == {}


def test_one_query_whatever_the_number_of_channels(world):
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    channels = [world.a.channel, world.b.channel]
    for channel in channels:
        add_run(channel, SyncAction.EXPORT_INVENTORY)
    ids = [channel.id for channel in channels]
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert len(last_runs(ids)) == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
