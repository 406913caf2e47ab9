"""Changes to a channel from its page: settings sections audited field by field, a new name or store (the
new store's token, or else the stored one, is tested against it first), a new access token (tested before it
replaces the old one) and delete.

Who may do what is the caller's business (permissions.py); values arrive validated by the section's form.
Functions change the session and never commit: the caller commits, and turns a unique-constraint error on the
Shop Domain into a form error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connectors.brightsites.results import ConnectionReport
from models.base import utcnow
from models.channels import (
    ChannelStatus,
    DimensionUnit,
    InitialOrderStatus,
    InventoryMode,
    SalesChannel,
    ShipmentStoreStatus,
    WeightUnit,
)
from models.tenancy import User
from services import audit
from services.api_cost import usage
from services.channels import reference_cache, store_connection, token_vault

# The columns each section edits, with what turns a submitted value into the column's type (None: as is).
SECTION_FIELDS: dict[str, dict[str, Callable | None]] = {
    "main": {
        "status": ChannelStatus,
        "import_orders_every": None,
        "export_shipments_every": None,
        "export_inventory_every": None,
        "import_products_every": None,
    },
    "advanced": {
        "order_statuses": list,
        "import_lag_minutes": None,
        "import_since": None,
        "order_number_prefix": str.strip,
        "initial_order_status": InitialOrderStatus,
        "detail_concurrency": None,
        "shipment_store_status": ShipmentStoreStatus,
        "send_shipping_confirmation": bool,
        "update_order_with_last_shipment": None,
        "acknowledge_when_fulfilment_starts": bool,
        "inventory_mode": InventoryMode,
        "inventory_buffer": None,
        "inventory_max": None,
        "inventory_sold_out_at": lambda value: value or 0,  # blank: off
        "timezone": None,
        "currency": lambda value: value or "",  # blank: not said
        "weight_unit": WeightUnit,
        "dimension_unit": DimensionUnit,
    },
    "privacy": {"pii_retention_days": None},
}
# Sections change_settings saves; privacy has its own permission, so its own function.
SETTINGS_SECTIONS = ("main", "advanced")


@dataclass(frozen=True)
class Outcome:
    """What a change did: the fields it changed and what to tell the user (with a warning when it worked but
    not fully, e.g. a read-only token), or why it was refused (then nothing was changed)."""

    changed: tuple[str, ...] = ()
    message: str = ""
    refusal: str | None = None
    warning: str | None = None

    @property
    def refused(self) -> bool:
        return self.refusal is not None


def _saved(changed: list[str]) -> Outcome:
    if not changed:
        return Outcome(message="Nothing to save: no setting changed.")
    plural = "s" if len(changed) != 1 else ""
    return Outcome(changed=tuple(changed), message=f"Saved {len(changed)} change{plural}.")


def _apply(channel: SalesChannel, user: User, section: str, values: Mapping[str, object]) -> Outcome:
    fields = SECTION_FIELDS[section]
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"not fields of the {section} section: {', '.join(sorted(unknown))}")
    converted = {name: (fields[name](value) if fields[name] else value) for name, value in values.items()}
    return _saved(audit.apply_changes(channel, user, converted))


def change_settings(channel: SalesChannel, user: User, section: str, values: Mapping[str, object]) -> Outcome:
    """Set the given fields of the main or advanced section; each changed one is audited."""
    if section not in SETTINGS_SECTIONS:
        raise ValueError(f"{section!r} is not a settings section")
    return _apply(channel, user, section, values)


def change_privacy(channel: SalesChannel, user: User, pii_retention_days: int | None) -> Outcome:
    """The PII retention threshold in days (None keeps customer data)."""
    return _apply(channel, user, "privacy", {"pii_retention_days": pii_retention_days})


def change_general(
    channel: SalesChannel, user: User, name: str, shop_domain: str, token: str | None = None
) -> Outcome:
    """Rename the channel and move it to `shop_domain` (normalised and free, as the form checks), with `token`
    when the new store has its own. A move is refused unless the store accepts the token given (else the
    channel's own); a given token replaces the stored one in the same change. Once moved, the old store's
    cached lists go."""
    token = (token or "").strip() or None
    moving = shop_domain != channel.shop_domain
    report = None
    if token is not None:
        with usage.counted(channel.id, usage.CONNECTION_CHECK) as tally:
            report = store_connection.check(shop_domain, token, on_call=tally)
        if not (report.reachable and report.authenticated):
            return Outcome(refusal=f"{shop_domain} refused the access token you entered: {report.message}")
    elif moving:
        try:
            with usage.counted(channel.id, usage.CONNECTION_CHECK) as tally:
                report = store_connection.check_channel_token(channel, shop_domain, on_call=tally)
        except token_vault.TokenUnreadable as error:
            return Outcome(refusal=f"{shop_domain} was not tried: {error}")
        if not (report.reachable and report.authenticated):
            return Outcome(
                refusal=f"{shop_domain} did not accept this channel's token: {report.message} "
                "Enter the new store's access token to move the channel with it."
            )
        channel.token_can_write = report.can_write
    changed = audit.apply_changes(channel, user, {"name": name.strip(), "shop_domain": shop_domain})
    if token is not None:
        _store_token(channel, user, token, report.can_write)
        changed.append("access_token")
    if moving:
        reference_cache.forget(channel)
    outcome = _saved(changed)
    message = outcome.message
    if moving:
        message += f" Moved to {shop_domain}" + (f" with the token {channel.masked_token}." if token else ".")
    elif token is not None:
        message += f" Access token replaced ({channel.masked_token})."
    return Outcome(changed=outcome.changed, message=message, warning=_read_only_warning(report))


def _read_only_warning(report: ConnectionReport | None) -> str | None:
    """The store accepted the token but it may not write: shipments and stock will not reach the store."""
    if report is not None and report.can_write is False:
        return report.message
    return None


def _store_token(channel: SalesChannel, user: User, token: str, can_write: bool | None) -> None:
    old_last4 = channel.token_last4 or None
    token_vault.store(channel, token, can_write)
    audit.record(channel, user, "token_replaced", "access_token", old_last4, channel.token_last4)


def replace_token(channel: SalesChannel, user: User, token: str) -> Outcome:
    """Replace the access token once the channel's store accepts it; the old one is destroyed."""
    token = token.strip()
    with usage.counted(channel.id, usage.CONNECTION_CHECK) as tally:
        report = store_connection.check(channel.shop_domain, token, on_call=tally)
    if not (report.reachable and report.authenticated):
        return Outcome(refusal=report.message)
    _store_token(channel, user, token, report.can_write)
    return Outcome(
        changed=("access_token",),
        message=f"Access token replaced ({channel.masked_token}).",
        warning=_read_only_warning(report),
    )


def delete_channel(channel: SalesChannel, user: User) -> None:
    """Schedules stop and the token is destroyed; orders and history stay."""
    channel.deleted_at = utcnow()
    channel.status = ChannelStatus.INACTIVE
    channel.token_ciphertext = ""
    channel.token_last4 = ""
    channel.import_orders_every = channel.export_shipments_every = channel.export_inventory_every = None
    channel.import_products_every = None
    audit.record(channel, user, "channel_deleted")
