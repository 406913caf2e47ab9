"""Every route × every role × own / other tenant, generated from the policy table (ACC-01..03)."""

from __future__ import annotations

import pytest
from flask import Flask

from models.tenancy import Role
from permissions import LOGIN_ONLY_ENDPOINTS, PUBLIC_ENDPOINTS, allows
from tests.world import ROLE_EMAILS, World

# 410: an allowed wizard step posted without its draft (the form expired) — allowed, just nothing to do.
# 286: a finished run's progress card telling htmx to stop polling.
ALLOWED = {200, 204, 286, 302, 303, 410, 422}
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
    }


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
    from tests.app.test_orders_screen import make_order

    existing = db.session.scalar(select(SalesOrder.id).where(SalesOrder.channel_id == channel.id).limit(1))
    return existing if existing is not None else make_order(channel).id


def _mapping_ids(channel, variant) -> dict[str, int]:
    """A SKU and a carrier mapping of `channel`, created again whenever a route deleted them."""
    from sqlalchemy import select

    from extensions import db
    from models.mappings import CarrierMapping, SkuMapping
    from tests.app.mapping_support import add_carrier_mapping, add_sku_mapping, make_carriers

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


def test_every_endpoint_declares_a_permission(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "required_permission", None)
        assert declared or rule.endpoint in PUBLIC_ENDPOINTS | LOGIN_ONLY_ENDPOINTS, rule.endpoint


def test_anonymous_requests_go_to_login(app, client, world):
    ids = object_ids(world, "own")
    for rule, method in checked_rules(app):
        response = client.open(build_url(rule, ids), method=method)
        assert response.status_code == 302, (method, rule.rule, response.status_code)
        assert "/login" in response.headers["Location"], (method, rule.rule)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_matrix(app, client, world, login, role):
    login(ROLE_EMAILS[role])
    mismatches = []
    for rule, method in checked_rules(app):
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "required_permission", None)
        for tenant in ("own", "other"):
            if tenant == "other" and not rule.arguments:
                continue
            response = client.open(build_url(rule, object_ids(world, tenant)), method=method)
            status = response.status_code
            if permission is None:  # login-only endpoints: any role may use them
                expected = ALLOWED
            elif not allows(role, permission):
                expected = {403}
            elif tenant == "other":
                expected = {404}
            else:
                expected = ALLOWED
            if status not in expected:
                mismatches.append(f"{method} {rule.rule} [{tenant}] -> {status}, expected {sorted(expected)}")
    assert not mismatches, "\n".join(mismatches)


def test_other_tenant_objects_are_404_even_for_htmx(app, client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    ids = object_ids(world, "other")
    for rule, method in checked_rules(app):
        if rule.arguments:
            response = client.open(build_url(rule, ids), method=method, headers={"HX-Request": "true"})
            assert response.status_code == 404, (method, rule.rule)
            assert b"<html" not in response.data


def test_role_change_applies_on_the_next_request(app, client, world, login):
    from extensions import db

    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    assert client.get("/users/").status_code == 200
    world.memberships[Role.ACCOUNT_ADMIN].role = Role.ACCOUNT_USER
    db.session.commit()
    assert client.get("/users/").status_code == 403
