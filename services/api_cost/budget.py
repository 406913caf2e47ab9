"""A channel's monthly allowance of billed calls and its warning threshold: the settings (audited) and where
the month stands against them. At the warning a banner shows; at the allowance scheduled runs pause and a
manual run asks for a confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from extensions import db
from models.api_cost import ChannelApiBudget
from models.channels import SalesChannel
from models.tenancy import User
from services import audit
from services.api_cost import usage

FIELDS = ("monthly_allowance", "warning_calls")


@dataclass(frozen=True)
class BudgetState:
    month_calls: int
    monthly_allowance: int | None = None
    warning_calls: int | None = None

    @property
    def over_allowance(self) -> bool:
        return self.monthly_allowance is not None and self.month_calls >= self.monthly_allowance

    @property
    def warning(self) -> bool:
        """Past the warning threshold (and not yet at the allowance, which says more)."""
        return (
            not self.over_allowance
            and self.warning_calls is not None
            and self.month_calls >= self.warning_calls
        )

    @property
    def message(self) -> str:
        if self.over_allowance:
            return (
                f"{self.month_calls:,} billed API calls this month (UTC) reached the allowance of "
                f"{self.monthly_allowance:,}: scheduled runs are paused; runs started by hand ask for a "
                "confirmation."
            )
        if self.warning:
            allowance = f" of {self.monthly_allowance:,}" if self.monthly_allowance is not None else ""
            return (
                f"{self.month_calls:,} billed API calls this month (UTC) passed the warning threshold of "
                f"{self.warning_calls:,}{allowance}."
            )
        return ""


def settings_of(channel: SalesChannel) -> ChannelApiBudget | None:
    return db.session.get(ChannelApiBudget, channel.id)


def states(channel_ids: list[int], on: date | None = None) -> dict[int, BudgetState]:
    """Each channel's month against its budget, in two queries."""
    if not channel_ids:
        return {}
    calls = usage.month_calls(channel_ids, on)
    budgets = {
        b.channel_id: b
        for b in db.session.scalars(
            select(ChannelApiBudget).where(ChannelApiBudget.channel_id.in_(channel_ids))
        )
    }
    result = {}
    for channel_id in channel_ids:
        budget = budgets.get(channel_id)
        result[channel_id] = BudgetState(
            calls.get(channel_id, 0),
            budget.monthly_allowance if budget else None,
            budget.warning_calls if budget else None,
        )
    return result


def state(channel: SalesChannel, on: date | None = None) -> BudgetState:
    return states([channel.id], on)[channel.id]


def paused_channel_ids(on: date | None = None) -> set[int]:
    """Channels whose calls this month reached their allowance (scheduled runs pause)."""
    budgets = db.session.scalars(
        select(ChannelApiBudget).where(ChannelApiBudget.monthly_allowance.is_not(None))
    ).all()
    calls = usage.month_calls([b.channel_id for b in budgets], on)
    return {b.channel_id for b in budgets if calls.get(b.channel_id, 0) >= b.monthly_allowance}


def change(
    channel: SalesChannel, user: User, monthly_allowance: int | None, warning_calls: int | None
) -> list[str]:
    """Save the allowance and the warning threshold, auditing each change; the names of the changed fields."""
    budget = settings_of(channel)
    if budget is None:
        budget = ChannelApiBudget(channel_id=channel.id)
        db.session.add(budget)
    changed = []
    for field, new in zip(FIELDS, (monthly_allowance, warning_calls), strict=True):
        old = getattr(budget, field)
        if old != new:
            setattr(budget, field, new)
            audit.record(channel, user, "setting_changed", field, old, new)
            changed.append(field)
    return changed
