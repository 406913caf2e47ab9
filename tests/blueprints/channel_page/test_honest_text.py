"""What the channel screens say is true and readable (issue 14, item 9): dates in the channel's time zone even
when an audit row kept them as ISO text, tokens by their last four characters, a run that found nothing new,
singular and plural, a warehouse unmapped before anything was published."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.channels import SalesChannel
from models.tenancy import Role
from services import audit
from services.channels import reference_cache
from tests.support import channel_steps
from tests.support.mappings import add_variant
from tests.support.world import ROLE_EMAILS
from web.template_filters import audit_value

HX = {"HX-Request": "true"}


def test_audit_values_that_are_instants_read_in_the_zone():
    assert audit_value("2026-11-30T23:14:41.289691+00:00", "America/Chicago") == "2026-11-30 17:14 CST"
    assert audit_value("2026-11-30T23:14:41", "Europe/Paris") == "2026-12-01 00:14 CET"  # no zone: UTC
    for kept in ("2026-11-30", "30", "(empty)", "paid, shipped", "2026-13-45T99:99:00", "", None):
        assert audit_value(kept, "America/Chicago") == (kept or "")


def test_history_shows_local_dates_and_the_last_four_of_tokens(client, world, login):
    channel, user = world.a.channel, world.a.users[Role.ACCOUNT_ADMIN]
    channel.timezone = "America/Chicago"
    until = datetime(2026, 11, 30, 23, 14, 41, 289691, tzinfo=UTC)
    audit.apply_changes(channel, user, {"api_logging_until": until})
    audit.record(channel, user, "token_replaced", "access_token", "OLD-SECRET-1a2b", "NEW-SECRET-9z8y")
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    history = client.get(f"/channels/{channel.id}/history").text
    assert "2026-11-30 17:14 CST" in history and "2026-11-30T23:14" not in history
    assert "•••• 1a2b" in history and "•••• 9z8y" in history
    assert "SECRET" not in history


def _run(channel: SalesChannel, status: RunStatus, counts: dict) -> None:
    db.session.add(
        SyncRun(
            account_id=channel.account_id,
            channel_id=channel.id,
            action=SyncAction.IMPORT_ORDERS,
            trigger=SyncTrigger.SCHEDULED,
            status=status,
            counts=counts,
        )
    )
    db.session.commit()


def test_a_run_that_found_nothing_new_says_so(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    channel = world.a.channel
    _run(channel, RunStatus.RUNNING, {})
    assert "no orders yet" in client.get("/channels/").text
    db.session.query(SyncRun).delete()
    _run(channel, RunStatus.SUCCEEDED, {"not_selected": 90})
    listing = client.get("/channels/").text
    assert "no new orders" in listing and "no orders yet" not in listing


def test_one_unmapped_store_sku_is_singular(client, world, login, simulator):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    store = simulator.create_store(seed=4, products=1, orders=0, vendor_managed=[])
    channel = db.session.get(SalesChannel, channel_steps.create_channel(client, store))
    skus = sorted(reference_cache.get(channel, "channel_skus").items)
    for sku in skus[1:]:  # a techOMS SKU equal to the store's maps to itself
        add_variant(channel, sku)
    page = client.get(f"/channels/{channel.id}/mappings/skus/unmapped").text
    assert "1 store SKU maps to nothing." in page


def test_unmapping_a_warehouse_promises_nothing_about_the_past(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    url = f"/channels/{world.a.channel.id}/mappings/warehouses/{world.a.warehouse.id}"
    client.post(url, data={"external_identifier": "2", "action": "save"}, headers=HX)
    response = client.post(url, data={"external_identifier": "2", "action": "remove"}, headers=HX)
    notice = re.search(r'data-testid="mapping-notice">([^<]*)<', response.text).group(1)
    assert notice == f"Warehouse {world.a.warehouse.code} unmapped: its stock will not be sent to the store."
