"""The Overview's board: per channel what needs attention today (each item a link to where it is fixed), the
day's flows and the last successes; a fixed number of queries for any number of channels (health: six, the
allowance: two, the day's flows: two, the latest runs: one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app, url_for

from blueprints.channel_page.health_panel import HealthPanel, present
from models.activity import SyncAction, SyncRun
from models.base import utcnow
from models.channels import SalesChannel
from models.tenancy import Account
from services.api_cost import budget
from services.channels import day_flows, health
from services.timezones import zone
from sync.runs import last_runs


@dataclass(frozen=True)
class Attention:
    """One thing to fix: what it is, where it is fixed, how urgent (danger or warning)."""

    key: str  # the item's test id
    text: str
    url: str
    level: str = "warning"


@dataclass
class ChannelBoard:
    channel: SalesChannel
    health: HealthPanel  # the facts as the channel page's health panel shows them
    budget: budget.BudgetState
    today: day_flows.DayFlow
    attention: list[Attention] = field(default_factory=list)

    @property
    def last_successes(self) -> list:
        return [row for row in self.health.rows if row.key.startswith("health-last-")]


@dataclass
class Board:
    channels: list[ChannelBoard]
    latest_runs: dict[tuple[int, SyncAction], SyncRun]
    day_start: datetime

    @property
    def nothing_to_do(self) -> bool:
        return all(not row.attention for row in self.channels)


def _attention(
    channel: SalesChannel, facts: health.ChannelHealth, state: HealthPanel, spend: budget.BudgetState
) -> list[Attention]:
    items = []

    # Built only for an item shown: most channels need no attention, and 100 channels' links cost ~9 ms.
    def sync_page(anchor: str = "") -> str:
        return url_for("sync.actions", channel_id=channel.id) + anchor

    def token_page() -> str:
        return url_for("channels.view", channel_id=channel.id, view="advanced")

    if channel.token_refused_at is not None:
        items.append(
            Attention(
                "attention-token", "The store refused the access token: replace it.", token_page(), "danger"
            )
        )
    elif channel.token_can_write is False:
        items.append(
            Attention(
                "attention-token",
                "Read-only token: shipments and stock cannot reach the store.",
                token_page(),
            )
        )
    if facts.breaker_open:
        items.append(
            Attention(
                "attention-breaker",
                "The store kept failing: its circuit breaker is open.",
                sync_page(),
                "danger",
            )
        )
    for row in state.rows:
        if row.key.startswith("health-last-") and row.level == "danger":
            flow = row.label.removeprefix("Last successful ").capitalize()
            items.append(Attention(f"attention-{row.key}", f"{flow} is failing.", sync_page(), "danger"))
    failed = facts.headline.failed_orders
    if failed:
        items.append(
            Attention(
                "attention-failed-orders",
                f"{failed:,} failed order{'s' if failed != 1 else ''} waiting for a retry.",
                url_for("sync.failed", channel_id=channel.id),
            )
        )
    if facts.unsent_shipments:
        count = facts.unsent_shipments
        items.append(
            Attention(
                "attention-unsent-shipments",
                f"{count:,} shipment{'s' if count != 1 else ''} not sent to the store yet.",
                sync_page("#export-form"),
            )
        )
    unpushed = next((row for row in state.rows if row.key == "health-unpushed-stock"), None)
    if unpushed is not None and unpushed.value != "0":
        text = unpushed.value if not unpushed.value[0].isdigit() else f"{unpushed.value} SKUs not pushed"
        items.append(
            Attention("attention-unpushed-stock", f"Stock: {text}.", sync_page("#export-inventory-form"))
        )
    if spend.over_allowance or spend.warning:
        items.append(
            Attention(
                "attention-allowance",
                spend.message,
                url_for("channels.view", channel_id=channel.id, view="main") + "#api-cost-section",
                "danger" if spend.over_allowance else "warning",
            )
        )
    return items


def day_start(account: Account, now: datetime) -> datetime:
    """Midnight of the account's day, as a UTC instant."""
    local = now.astimezone(zone(account.timezone))
    return datetime.combine(local.date(), time(), tzinfo=local.tzinfo).astimezone(now.tzinfo)


def board(account: Account, channels: list[SalesChannel]) -> Board:
    now = utcnow()
    ids = [channel.id for channel in channels]
    latest = last_runs(ids)
    failing_after = timedelta(minutes=current_app.config["ALERT_FAILING_MINUTES"])
    healths = health.of_channels(channels, latest, now=now, failing_after=failing_after)
    spends = budget.states(ids)
    start = day_start(account, now)
    flows = day_flows.since(ids, start)
    panels = {channel_id: present(facts) for channel_id, facts in healths.items()}
    rows = [
        ChannelBoard(
            channel,
            panels[channel.id],
            spends[channel.id],
            flows[channel.id],
            _attention(channel, healths[channel.id], panels[channel.id], spends[channel.id]),
        )
        for channel in channels
    ]
    return Board(rows, latest, start)
