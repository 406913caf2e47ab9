"""A channel's health: the badge of the channel list (the most urgent thing to know) and the channel page's
health panel (last success per action, token state, open failures, the store's breaker, the push intake's
last push). Computed for the whole list in a fixed number of queries besides the latest runs the list already
reads (services/channels/health_facts.py reads the figures; this module judges them).

Unhealthy (red, and what alerts are about): the store refused the token, the store's circuit breaker is open,
or a flow has failed for longer than ALERT_FAILING_MINUTES since its last success."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models.activity import RunStatus, SyncAction, SyncRun
from models.breakers import BreakerState, StoreBreaker
from models.channels import SalesChannel
from services.channels import health_facts
from services.channels.health_facts import FLOWS
from services.orders.failed_orders import failed_counts


class Severity(enum.StrEnum):
    """How a fact weighs (the page decides how that looks)."""

    BAD = "bad"  # failing, refused, open
    ATTENTION = "attention"  # something waits for a person or a run
    GOOD = "good"
    UNKNOWN = "unknown"  # nothing to judge yet, or only informative


@dataclass(frozen=True)
class Health:
    severity: Severity
    label: str
    detail: str = ""
    failed_orders: int = 0


@dataclass(frozen=True)
class PanelRow:
    """One fact of the health panel: `fact` names it (stable), `at` an instant shown in the channel's zone."""

    fact: str
    label: str
    value: str
    severity: Severity = Severity.UNKNOWN
    at: datetime | None = None


@dataclass
class ChannelHealth:
    headline: Health
    rows: list[PanelRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why it is unhealthy; empty when it is not
    unsent_shipments: int = 0
    breaker_open: bool = False

    @property
    def unhealthy(self) -> bool:
        return bool(self.problems)


def health(
    channel: SalesChannel,
    last_import: SyncRun | None,
    failed_orders: int,
    problems: list[str] | None = None,
    problem_label: str = "Unhealthy",
) -> Health:
    """The most urgent thing to know about the channel (the order of the checks is the order of urgency)."""
    if channel.token_refused_at is not None:
        return Health(
            Severity.BAD, "Token refused", "The store refused the access token: replace it.", failed_orders
        )
    if problems:
        return Health(Severity.BAD, problem_label, " ".join(problems), failed_orders)
    if last_import is not None and last_import.status == RunStatus.FAILED:
        return Health(Severity.BAD, "Last run failed", last_import.error_summary, failed_orders)
    if failed_orders:
        plural = "" if failed_orders == 1 else "s"
        return Health(
            Severity.ATTENTION,
            f"{failed_orders:,} failed order{plural}",
            "Waiting for a retry.",
            failed_orders,
        )
    if last_import is None:
        return Health(Severity.UNKNOWN, "No import yet")
    return Health(Severity.GOOD, "OK")


def token_state(channel: SalesChannel) -> tuple[str, Severity]:
    """Valid, read-only or refused."""
    if channel.token_refused_at is not None:
        return "Refused", Severity.BAD
    if channel.token_can_write is False:
        return "Read-only", Severity.ATTENTION
    return "Valid", Severity.GOOD


def _breaker_row(channel: SalesChannel, breaker: StoreBreaker | None, now: datetime) -> PanelRow:
    if channel.token_refused_at is not None:
        return PanelRow("breaker", "Circuit breaker", "Held open: token refused", Severity.BAD)
    if breaker is None or breaker.state == BreakerState.CLOSED:
        failures = breaker.failures if breaker else 0
        if not failures:
            return PanelRow("breaker", "Circuit breaker", "Closed: the store answers", Severity.GOOD)
        # Retries back off, so a failing store can keep the breaker closed for a long while: say what the
        # channel waits for, not only that it is closed.
        attempts = "attempt" if failures == 1 else f"{failures} attempts"
        value = (
            f"Closed, but the store failed the last {attempts} in a row: waiting for the next attempt "
            "(retries wait longer each time; repeated failures open the breaker)."
        )
        return PanelRow("breaker", "Circuit breaker", value, Severity.ATTENTION)
    if breaker.state == BreakerState.HALF_OPEN:
        return PanelRow(
            "breaker",
            "Circuit breaker",
            "Half-open: one run is trying the store; the others wait for its answer.",
            Severity.BAD,
        )
    return PanelRow(
        "breaker", "Circuit breaker", "Open: scheduled runs wait until", Severity.BAD, breaker.open_until
    )


def _breaker_open(breaker: StoreBreaker | None) -> bool:
    return breaker is not None and breaker.state != BreakerState.CLOSED


def of_channels(
    channels: list[SalesChannel],
    latest_runs: dict[tuple[int, SyncAction], SyncRun],
    *,
    now: datetime,
    failing_after: timedelta,
) -> dict[int, ChannelHealth]:
    """Each channel's health panel and badge; `latest_runs` is sync.runs.last_runs of the same channels.
    Six queries, whatever the number of channels."""
    if not channels:
        return {}
    ids = [channel.id for channel in channels]
    failed = failed_counts(ids)
    unsent = health_facts.unsent_shipments(ids)
    successes = health_facts.last_successes(ids)
    failing = health_facts.failing_since(ids)
    breakers = health_facts.breakers(channels)
    push_intakes = health_facts.push_intakes(ids)
    result = {}
    for channel in channels:
        breaker = breakers.get(channel.shop_domain)
        rows, problems = [], []
        if channel.token_refused_at is not None:
            problems.append("The store refused the access token.")
        if _breaker_open(breaker):
            problems.append("The store failed repeatedly: its circuit breaker is open.")
        for action in FLOWS:
            since = failing.get((channel.id, action))
            last = successes.get((channel.id, action))
            if since is not None and since <= now - failing_after:
                problems.append(f"{action.label} has been failing since {since:%Y-%m-%d %H:%M} UTC.")
            severity = Severity.BAD if since is not None else (Severity.GOOD if last else Severity.UNKNOWN)
            rows.append(
                PanelRow(
                    f"last_{action.value}",
                    f"Last successful {action.label.lower()}",
                    "" if last else "Never",
                    severity,
                    last,
                )
            )
        token_label, token_severity = token_state(channel)
        rows.append(PanelRow("token", "Access token", token_label, token_severity))
        failed_orders, unsent_shipments = failed.get(channel.id, 0), unsent.get(channel.id, 0)
        last_inventory = latest_runs.get((channel.id, SyncAction.EXPORT_INVENTORY))
        unpushed = _unpushed_stock(last_inventory)
        rows.append(
            PanelRow("failed_orders", "Failed orders", f"{failed_orders:,}", _count_severity(failed_orders))
        )
        rows.append(
            PanelRow(
                "unsent_shipments",
                "Unsent shipments",
                f"{unsent_shipments:,}",
                _count_severity(unsent_shipments),
            )
        )
        rows.append(
            PanelRow(
                "unpushed_stock",
                "Unpushed stock",
                unpushed,
                Severity.ATTENTION if unpushed != "0" else Severity.GOOD,
            )
        )
        rows.append(_breaker_row(channel, breaker, now))
        if channel.id in push_intakes:
            received = push_intakes[channel.id]
            # Not a problem by itself: a quiet store pushes nothing; the catch-up sweep still lists.
            rows.append(
                PanelRow(
                    "push",
                    "Push intake last received",
                    "" if received else "Nothing yet",
                    Severity.UNKNOWN,
                    received,
                )
            )
        headline = health(
            channel,
            latest_runs.get((channel.id, SyncAction.IMPORT_ORDERS)),
            failed_orders,
            problems,
            "Breaker open" if _breaker_open(breaker) else "Flow failing",
        )
        result[channel.id] = ChannelHealth(
            headline, rows, problems, unsent_shipments, breaker_open=_breaker_open(breaker)
        )
    return result


def _count_severity(count: int) -> Severity:
    return Severity.ATTENTION if count else Severity.GOOD


def _unpushed_stock(last_inventory: SyncRun | None) -> str:
    """What the last inventory export left unpushed: its failed SKUs, or everything when it failed."""
    if last_inventory is None:
        return "0"
    if last_inventory.status == RunStatus.FAILED:
        return "Last export failed"
    return f"{(last_inventory.counts or {}).get('failed', 0):,}"
