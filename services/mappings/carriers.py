"""Carrier mappings of a channel: the rows the screen lists and the audited changes to them.

Functions change the session and never commit: the view commits once, and turns an IntegrityError from a
concurrent writer into a message. The primary rule lives here: of the rows pointing to one carrier service,
exactly one exact (wildcard-free) row is primary; the first exact row becomes primary by itself, making a
row primary un-sets the others in the same transaction, and deleting the primary promotes the oldest exact
row left.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from extensions import db
from models.catalog import Carrier, CarrierService
from models.channels import SalesChannel
from models.mappings import CarrierMapping, carrier_key
from models.tenancy import User
from services import audit
from services.audit import audit_field


def carrier_services() -> list[CarrierService]:
    """Every techOMS carrier service with its carrier, by carrier code then service code."""
    return list(
        db.session.scalars(
            select(CarrierService)
            .join(CarrierService.carrier)
            .options(joinedload(CarrierService.carrier))
            .order_by(Carrier.code, CarrierService.code)
        )
    )


def carrier_rows(channel: SalesChannel) -> list[CarrierMapping]:
    return list(
        db.session.scalars(
            select(CarrierMapping)
            .where(CarrierMapping.channel_id == channel.id)
            .options(joinedload(CarrierMapping.carrier_service).joinedload(CarrierService.carrier))
            .order_by(CarrierMapping.carrier_channel_key, CarrierMapping.service_channel_key)
        )
    )


def find_carrier_mapping(
    channel: SalesChannel, carrier_code: str, service_code: str | None, *, excluding: int | None = None
) -> CarrierMapping | None:
    """The channel's row with these channel codes (ignoring case and spaces), other than `excluding`."""
    statement = select(CarrierMapping).where(
        CarrierMapping.channel_id == channel.id,
        CarrierMapping.carrier_channel_key == carrier_key(carrier_code),
        CarrierMapping.service_channel_key == carrier_key(service_code),
    )
    if excluding is not None:
        statement = statement.where(CarrierMapping.id != excluding)
    return db.session.scalar(statement)


def describe(mapping: CarrierMapping) -> str:
    service = mapping.carrier_service
    text = f"{service.carrier.code}/{service.code}"
    return text + (" (primary)" if mapping.is_primary else "")


def channel_codes(mapping: CarrierMapping) -> str:
    if mapping.service_channel_code:
        return f"{mapping.carrier_channel_code} / {mapping.service_channel_code}"
    return mapping.carrier_channel_code


def _primary_of(
    channel_id: int, carrier_service_id: int, excluding: int | None = None
) -> CarrierMapping | None:
    statement = select(CarrierMapping).where(
        CarrierMapping.channel_id == channel_id,
        CarrierMapping.carrier_service_id == carrier_service_id,
        CarrierMapping.is_primary,
    )
    if excluding is not None:
        statement = statement.where(CarrierMapping.id != excluding)
    return db.session.scalar(statement)


def _make_primary(mapping: CarrierMapping) -> None:
    """Un-set the pair's other primary first (the partial unique index allows one), then set this one."""
    db.session.execute(
        update(CarrierMapping)
        .where(
            CarrierMapping.channel_id == mapping.channel_id,
            CarrierMapping.carrier_service_id == mapping.carrier_service_id,
            CarrierMapping.id != mapping.id,
            CarrierMapping.is_primary,
        )
        .values(is_primary=False)
        .execution_options(synchronize_session="fetch")
    )
    mapping.is_primary = True
    db.session.flush()


def _promote_successor(channel_id: int, carrier_service_id: int, excluding: int | None = None) -> None:
    """Give the pair a primary again when it lost its own: the oldest exact row left."""
    db.session.flush()
    if _primary_of(channel_id, carrier_service_id) is not None:
        return
    statement = (
        select(CarrierMapping)
        .where(
            CarrierMapping.channel_id == channel_id,
            CarrierMapping.carrier_service_id == carrier_service_id,
            CarrierMapping.carrier_channel_key.not_like("%*%"),
            CarrierMapping.service_channel_key.not_like("%*%"),
        )
        .order_by(CarrierMapping.id)
    )
    if excluding is not None:
        statement = statement.where(CarrierMapping.id != excluding)
    successor = db.session.scalar(statement.limit(1))
    if successor is not None:
        successor.is_primary = True
        db.session.flush()


def save_carrier_mapping(
    channel: SalesChannel,
    mapping: CarrierMapping | None,
    *,
    carrier_code: str,
    service_code: str | None,
    carrier_service: CarrierService,
    primary: bool,
    user: User | None,
) -> CarrierMapping:
    """Add (mapping None) or change a row, keeping the primary rule, and audit it."""
    adding = mapping is None
    before = None if adding else f"{channel_codes(mapping)} → {describe(mapping)}"
    old_service_id = None if adding else mapping.carrier_service_id
    if adding:
        mapping = CarrierMapping(channel_id=channel.id, is_primary=False)
    mapping.set_codes(carrier_code, service_code)
    if mapping.carrier_service_id != carrier_service.id or mapping.is_wildcard:
        mapping.is_primary = False  # primary only among exact rows, and of its own service
    mapping.carrier_service_id = carrier_service.id
    mapping.carrier_service = carrier_service
    db.session.add(mapping)
    db.session.flush()
    if not mapping.is_wildcard and (
        primary or _primary_of(channel.id, carrier_service.id, mapping.id) is None
    ):
        _make_primary(mapping)
    else:
        _promote_successor(channel.id, carrier_service.id)
    if old_service_id is not None and old_service_id != carrier_service.id:
        _promote_successor(channel.id, old_service_id)
    after = f"{channel_codes(mapping)} → {describe(mapping)}"
    action = "carrier_mapping_added" if adding else "carrier_mapping_changed"
    audit.record(channel, user, action, audit_field(channel_codes(mapping)), before, after)
    return mapping


def make_primary(channel: SalesChannel, mapping: CarrierMapping, user: User | None) -> None:
    old = _primary_of(channel.id, mapping.carrier_service_id, mapping.id)
    _make_primary(mapping)
    audit.record(
        channel,
        user,
        "carrier_primary_set",
        audit_field(describe(mapping).removesuffix(" (primary)")),
        channel_codes(old) if old else None,
        channel_codes(mapping),
    )


def delete_carrier_mapping(channel: SalesChannel, mapping: CarrierMapping, user: User | None) -> None:
    service_id = mapping.carrier_service_id
    audit.record(
        channel, user, "carrier_mapping_removed", audit_field(channel_codes(mapping)), describe(mapping), None
    )
    db.session.delete(mapping)
    _promote_successor(channel.id, service_id)
