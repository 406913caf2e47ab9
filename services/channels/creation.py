"""Creating a sales channel from the wizard's values: the channel, its token in the vault, when its scheduled
imports start, and the audit row. Flushes (the store's uniqueness is checked then); the caller commits."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from extensions import db
from models.channels import ChannelType, InventoryMode, SalesChannel, ScheduleStart
from models.tenancy import User
from services import audit
from services.channels import token_vault


class FirstImport(enum.StrEnum):
    """The wizard's "First order import" choice."""

    NOW = "now"  # a run is started with the channel; the schedule counts from it
    SCHEDULE = "schedule"
    LATER = "later"  # the schedule stays off until turned on, or the first import by hand turns it on


SCHEDULE_STARTS = {
    FirstImport.NOW: ScheduleStart.AT_ONCE,
    FirstImport.SCHEDULE: ScheduleStart.AFTER_INTERVAL,
    FirstImport.LATER: ScheduleStart.AFTER_FIRST_IMPORT,
}


class ShopDomainTaken(Exception):
    """Another channel connected the same store meanwhile: the caller rolls the session back."""


@dataclass(frozen=True)
class NewChannel:
    account_id: int
    channel_type: ChannelType
    name: str
    shop_domain: str
    token: str
    token_can_write: bool | None  # as the connection test reported it
    order_statuses: list[str]
    import_since: date | None
    inventory_mode: InventoryMode
    timezone: str
    first_import: FirstImport


def create(new: NewChannel, user: User) -> SalesChannel:
    """The channel, flushed; ShopDomainTaken when another channel has its store."""
    channel = SalesChannel(
        account_id=new.account_id,
        channel_type=new.channel_type,
        name=new.name,
        shop_domain=new.shop_domain,
        order_statuses=new.order_statuses,
        import_since=new.import_since,
        inventory_mode=new.inventory_mode,
        timezone=new.timezone,
        schedule_start=SCHEDULE_STARTS[new.first_import],
    )
    token_vault.store(channel, new.token, new.token_can_write)
    db.session.add(channel)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise ShopDomainTaken(new.shop_domain) from exc
    if new.first_import == FirstImport.LATER:
        # Off until turned on. After the insert: None given to the constructor means the column default.
        channel.import_orders_every = None
    audit.record(channel, user, "channel_created", "first import", None, new.first_import.value)
    return channel
