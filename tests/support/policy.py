"""The policy matrix's URL builder: an object id of the own or the other tenant for every URL parameter."""

from __future__ import annotations

from flask import Flask

from models.tenancy import Role
from permissions import API_KEY_ENDPOINTS, PUBLIC_ENDPOINTS
from tests.support.world import World

# Acting on the session itself; covered by their own tests.
SKIPPED_IN_MATRIX = {"auth.logout"}


def object_ids(world: World, tenant: str) -> dict[str, int]:
    """URL parameter -> an object of the own tenant (account A1) or of the other tenant (organization B)."""
    t = world.a if tenant == "own" else world.b
    membership = world.memberships[Role.ACCOUNT_USER] if tenant == "own" else None
    from extensions import db
    from models.tenancy import Membership

    if membership is None:
        membership = db.session.query(Membership).filter_by(organization_id=world.b.organization.id).one()
    return {
        "product_id": t.product.id,
        "variant_id": t.variant.id,
        "warehouse_id": t.warehouse.id,
        "membership_id": membership.id,
        "channel_id": t.channel.id,
        **_mapping_ids(t.channel, t.variant),
        "view": "main",
        "order_id": _order_id(t.channel),
        **_sync_ids(t.channel),
        "key_id": _api_key_id(t.account),
        "shipment_id": _shipment_id(_order_id(t.channel)),
        **_webhook_ids(t.account, _order_id(t.channel)),
        # The order push intake: an id and secret that match nothing (its own tests push for real).
        "public_id": "no-such-channel",
        "secret": "wrong-secret",
        # An invitation's link: a token that matches nothing (tests/app/test_users.py accepts real ones).
        "token": "no-such-invitation",
    }


def _shipment_id(order_id: int) -> int:
    """A shipment of the order, created the first time it is asked for (its line is shipped in part)."""
    from sqlalchemy import select

    from extensions import db
    from models.orders import SalesOrder
    from models.shipments import Shipment
    from services.shipments import recording
    from tests.support.shipments import shipment_input

    existing = db.session.scalar(select(Shipment.id).where(Shipment.order_id == order_id).limit(1))
    if existing is not None:
        return existing
    order = db.session.get(SalesOrder, order_id)
    shipment = recording.create_shipment(order, shipment_input(order, [1], tracking="MATRIX"))
    db.session.commit()
    return shipment.id


def _api_key_id(account) -> int:
    """An API key of `account`, created the first time it is asked for."""
    from sqlalchemy import select

    from extensions import db
    from models.api_keys import ApiKey
    from services import api_keys

    existing = db.session.scalar(select(ApiKey.id).where(ApiKey.account_id == account.id).limit(1))
    if existing is not None:
        return existing
    row, _key = api_keys.create_key(account, "Matrix key", None)
    db.session.commit()
    return row.id


def _webhook_ids(account, order_id: int) -> dict[str, int]:
    """A webhook endpoint of `account` with one delivery, created the first time they are asked for."""
    from sqlalchemy import select

    from extensions import db
    from models.webhooks import WebhookDelivery, WebhookEndpoint
    from services.webhooks import endpoints

    endpoint = db.session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.account_id == account.id).limit(1)
    )
    if endpoint is None:
        endpoint, _secret = endpoints.create_endpoint(
            account, "https://hooks.example.com/matrix", ["order.created"]
        )
        db.session.flush()
        endpoints.send_test_event(endpoint)
        db.session.commit()
    delivery = db.session.scalar(
        select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id).limit(1)
    )
    return {"endpoint_id": endpoint.id, "delivery_id": delivery}


# Authenticated by a secret in the URL (the order push intake): no session, exempt from CSRF by design.
SECRET_URL_ENDPOINTS = frozenset({"intake.brightsites_order"})


def is_api_endpoint(rule) -> bool:
    """Authenticated by an account API key, never by the session: any session request answers 401."""
    return rule.endpoint in API_KEY_ENDPOINTS


def _sync_ids(channel) -> dict[str, int]:
    """A finished run of `channel` and an order waiting for a retry, created when first asked for."""
    from sqlalchemy import select

    from extensions import db
    from models.activity import PendingOrder, RunStatus, SyncAction, SyncRun, SyncTrigger

    run = db.session.scalar(select(SyncRun).where(SyncRun.channel_id == channel.id).limit(1))
    if run is None:
        run = SyncRun(
            account_id=channel.account_id,
            channel_id=channel.id,
            action=SyncAction.IMPORT_ORDERS,
            trigger=SyncTrigger.MANUAL,
            status=RunStatus.SUCCEEDED,
        )
        db.session.add(run)
    pending = db.session.scalar(select(PendingOrder).where(PendingOrder.channel_id == channel.id).limit(1))
    if pending is None:
        pending = PendingOrder(channel_id=channel.id, external_id=1000 + channel.id, reason="test")
        db.session.add(pending)
    db.session.commit()
    return {"run_id": run.id, "external_id": pending.external_id}


def _order_id(channel) -> int:
    """An order of `channel`, created the first time it is asked for."""
    from sqlalchemy import select

    from extensions import db
    from models.orders import SalesOrder
    from tests.support.orders import make_order

    existing = db.session.scalar(select(SalesOrder.id).where(SalesOrder.channel_id == channel.id).limit(1))
    return existing if existing is not None else make_order(channel).id


def _mapping_ids(channel, variant) -> dict[str, int]:
    """A SKU and a carrier mapping of `channel`, created again whenever a route deleted them."""
    from sqlalchemy import select

    from extensions import db
    from models.mappings import CarrierMapping, SkuMapping
    from tests.support.mappings import add_carrier_mapping, add_sku_mapping, make_carriers

    sku = db.session.scalar(select(SkuMapping).where(SkuMapping.channel_id == channel.id).limit(1))
    carrier = db.session.scalar(
        select(CarrierMapping).where(CarrierMapping.channel_id == channel.id).limit(1)
    )
    if carrier is None:
        from models.catalog import CarrierService

        service = db.session.scalar(select(CarrierService).limit(1)) or next(iter(make_carriers().values()))
        carrier = add_carrier_mapping(channel, service, "UPS Ground")
    return {
        "sku_mapping_id": (sku or add_sku_mapping(channel, "MATRIX-SKU", variant)).id,
        "carrier_mapping_id": carrier.id,
    }


def checked_rules(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint in SKIPPED_IN_MATRIX:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def build_url(rule, ids: dict[str, int]) -> str:
    unknown = set(rule.arguments) - ids.keys()
    assert not unknown, f"{rule.rule}: add {unknown} to object_ids() so the matrix can reach it"
    return rule.build({name: ids[name] for name in rule.arguments})[1]
