"""What a channel's health is judged on, read for a whole list of channels at once: each flow's last success
and the first failure after it, unsent shipments, the push intake's last push, the stores' circuit breakers.
One query per figure whatever the number of channels (services/channels/health.py judges them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, case, func, literal, select, true, union_all
from sqlalchemy.orm import aliased

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun
from models.breakers import StoreBreaker
from models.channels import SalesChannel
from models.order_push import OrderPushSetting
from models.shipments import ExportStatus, Shipment

# The flows a store's health is about (the purge calls no store).
FLOWS = (SyncAction.IMPORT_ORDERS, SyncAction.EXPORT_SHIPMENTS, SyncAction.EXPORT_INVENTORY)
SUCCESS = (RunStatus.SUCCEEDED, RunStatus.PARTIAL)

# Before any run: the floor for "failed after the last success" when a flow never succeeded.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _flow_keys(channel_ids: list[int]):
    """One row per (channel, flow) of the list: each flow's figures below are then index probes on
    sync_run (channel_id, action, status, finished_at), not an aggregate over every run of the year."""
    flows = union_all(*(select(literal(action.value).label("action")) for action in FLOWS)).subquery("flows")
    return (
        select(SalesChannel.id.label("channel_id"), flows.c.action)
        .join(flows, true())
        .where(SalesChannel.id.in_(channel_ids))
        .subquery("flow_keys")
    )


def _latest_finish(keys, status: RunStatus):
    run = aliased(SyncRun)
    return (
        select(func.max(run.finished_at))
        .where(run.channel_id == keys.c.channel_id, run.action == keys.c.action, run.status == status)
        .scalar_subquery()
    )


def _last_success(keys):
    """The later of the flow's last succeeded and last partial run (NULL when neither)."""
    succeeded, partial = _latest_finish(keys, RunStatus.SUCCEEDED), _latest_finish(keys, RunStatus.PARTIAL)
    return func.coalesce(case((succeeded >= partial, succeeded), else_=partial), succeeded, partial)


def last_successes(channel_ids: list[int]) -> dict[tuple[int, SyncAction], datetime]:
    keys = _flow_keys(channel_ids)
    rows = db.session.execute(select(keys.c.channel_id, keys.c.action, _last_success(keys))).all()
    return {(channel_id, SyncAction(action)): at for channel_id, action, at in rows if at is not None}


def failing_since(channel_ids: list[int]) -> dict[tuple[int, SyncAction], datetime]:
    """The first failed run after the flow's last success (none when the flow's latest run succeeded)."""
    keys = _flow_keys(channel_ids)
    # The last success as a column first: a subquery nested two deep would not correlate to the keys.
    flows = select(keys.c.channel_id, keys.c.action, _last_success(keys).label("success")).subquery("flows")
    first_failure = (
        select(func.min(SyncRun.finished_at))
        .where(
            SyncRun.channel_id == flows.c.channel_id,
            SyncRun.action == flows.c.action,
            SyncRun.status == RunStatus.FAILED,
            SyncRun.finished_at > func.coalesce(flows.c.success, _NEVER),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(select(flows.c.channel_id, flows.c.action, first_failure)).all()
    return {(channel_id, SyncAction(action)): at for channel_id, action, at in rows if at is not None}


# Every status but SENT, named: `!= 'sent'` let no index range serve it (a year's sent shipments were read).
UNSENT = tuple(status.value for status in ExportStatus if status != ExportStatus.SENT)


def unsent_shipments(channel_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Shipment.channel_id, func.count(Shipment.id))
        .where(Shipment.channel_id.in_(channel_ids), Shipment.export_status.in_(UNSENT))
        .group_by(Shipment.channel_id)
    ).all()
    return dict(rows)


def push_intakes(channel_ids: list[int]) -> dict[int, datetime | None]:
    """Channels with order push on, and when their intake last stored a push."""
    rows = db.session.execute(
        select(OrderPushSetting.channel_id, OrderPushSetting.last_received_at).where(
            OrderPushSetting.channel_id.in_(channel_ids), OrderPushSetting.enabled.is_(True)
        )
    ).all()
    return dict(rows)


def breakers(channels: list[SalesChannel]) -> dict[str, StoreBreaker]:
    domains = sorted({c.shop_domain for c in channels})
    return {
        b.shop_domain: b
        for b in db.session.scalars(select(StoreBreaker).where(and_(StoreBreaker.shop_domain.in_(domains))))
    }
