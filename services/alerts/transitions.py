"""One alert when a channel becomes unhealthy and one when it recovers, never one per failed run: each
channel's last alerted state is kept (ChannelAlertState), and an alert is made only when the health computed
now differs from it. A channel seen for the first time while healthy gets its state quietly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from extensions import db
from models.alerts import Alert, AlertKind, ChannelAlertState
from models.channels import SalesChannel
from services.channels.health import ChannelHealth


def record_changes(
    channels: list[SalesChannel], healths: dict[int, ChannelHealth], now: datetime
) -> list[Alert]:
    """Update each channel's alert state and return the new alerts (added to the session, not committed)."""
    if not channels:
        return []
    states = {
        s.channel_id: s
        for s in db.session.scalars(
            select(ChannelAlertState).where(ChannelAlertState.channel_id.in_([c.id for c in channels]))
        )
    }
    alerts = []
    for channel in channels:
        health = healths[channel.id]
        state = states.get(channel.id)
        if state is None:
            state = ChannelAlertState(channel_id=channel.id, unhealthy=False, reason="", changed_at=now)
            db.session.add(state)
        if health.unhealthy == state.unhealthy:
            continue
        state.unhealthy = health.unhealthy
        state.reason = " ".join(health.problems)
        state.changed_at = now
        alert = _compose(channel, health)
        db.session.add(alert)
        alerts.append(alert)
    db.session.flush()
    return alerts


def _compose(channel: SalesChannel, health: ChannelHealth) -> Alert:
    where = f"{channel.name} ({channel.shop_domain})"
    if health.unhealthy:
        kind, subject = AlertKind.UNHEALTHY, f"techOMS: {channel.name} is unhealthy"
        lines = [f"The sales channel {where} became unhealthy:", *(f"- {p}" for p in health.problems)]
        lines.append("You will get one more message when it recovers.")
    else:
        kind, subject = AlertKind.RECOVERED, f"techOMS: {channel.name} recovered"
        lines = [f"The sales channel {where} is healthy again."]
    lines.append(f"Open it in techOMS: Sales Channels › {channel.name} (/channels/{channel.id}/main).")
    return Alert(
        account_id=channel.account_id,
        channel_id=channel.id,
        kind=kind,
        subject=subject[:200],
        body="\n".join(lines),
    )
