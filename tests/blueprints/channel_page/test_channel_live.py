"""The channel page's live panel (/channels/<id>/live): the health panel with the API cost figures and banner
out of band, polled every 2 s while a run is queued or running and backing off while none is; counts come
from the database as it is now (failed orders waiting for a retry, calls today). Real simulator and RQ
worker."""

from __future__ import annotations

import re

from extensions import db
from models.activity import SyncAction, SyncTrigger
from models.breakers import BreakerState, StoreBreaker
from models.tenancy import Role
from services.api_cost import budget, usage
from sync.start import start_run
from tests.support.sync import import_now, make_store, sync_channel
from tests.support.world import ROLE_EMAILS


def _poll(html: str) -> tuple[str, str]:
    trigger = re.search(r'hx-trigger="([^"]+)"', html).group(1)
    url = re.search(r'hx-get="([^"]+)"', html).group(1)
    return trigger, url


def test_the_panel_counts_failed_orders_and_calls_as_they_are_now(client, login, simulator, world):
    store = make_store(simulator, seed=3, products=2, orders=3, moas_rate=0, gift_rate=0)
    channel = sync_channel(store, world.a.account)  # no catalog: every order's SKUs map to nothing
    run = import_now(channel)
    failed = run.counts["failed"]
    assert failed >= 1

    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    html = client.get(f"/channels/{channel.id}/live").text

    row = r"data-testid=\"health-failed-orders\">\s*<th[^>]*>Failed orders</th>\s*<td>.*?"
    assert re.search(row + str(failed), html, re.S)
    assert f"{failed} failed order" in html
    assert 'id="api-cost-figures" hx-swap-oob="true"' in html
    assert f'data-testid="calls-today">{run.api_calls}<' in html
    assert 'id="page-cost-banner" hx-swap-oob="true"' in html


def test_the_poll_is_quick_while_a_run_is_active_and_backs_off_when_idle(client, login, simulator, world):
    channel = world.a.channel
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    trigger, url = _poll(client.get(f"/channels/{channel.id}/live").text)
    assert trigger == "load delay:5s, sync-run-finished from:body" and url.endswith("idle=1")
    trigger, url = _poll(client.get(f"/channels/{channel.id}/live?idle=3").text)
    assert trigger.startswith("load delay:40s") and url.endswith("idle=4")
    trigger, _ = _poll(client.get(f"/channels/{channel.id}/live?idle=999").text)
    assert trigger.startswith("load delay:60s")  # the longest wait repeats

    start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)
    db.session.commit()  # queued, not worked
    trigger, url = _poll(client.get(f"/channels/{channel.id}/live?idle=4").text)
    assert trigger.startswith("load delay:2s") and url.endswith("idle=0")


def test_the_page_banner_follows_a_new_threshold(client, login, world):
    channel = world.a.channel
    usage.add(channel.id, "import_orders", 30, usage.today())
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    answer = client.post(
        f"/channels/{channel.id}/api-cost",
        data={"monthly_allowance": "100", "warning_calls": "20"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    banner = answer.text[answer.text.index('id="page-cost-banner" hx-swap-oob="true"') :]
    assert "warning threshold of 20 of 100" in banner
    assert budget.state(channel).warning


def test_the_panel_is_tenant_scoped(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.get(f"/channels/{world.b.channel.id}/live").status_code == 404
    client.post("/logout")
    assert client.get(f"/channels/{world.a.channel.id}/live").status_code in (302, 401)


def test_a_closed_breaker_with_failures_says_what_the_channel_waits_for(client, login, world):
    channel = world.a.channel
    db.session.add(StoreBreaker(shop_domain=channel.shop_domain, state=BreakerState.CLOSED, failures=2))
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    html = client.get(f"/channels/{channel.id}/live").text
    row = html[html.index('data-testid="health-breaker"') :]
    assert "Closed, but the store failed the last 2 attempts in a row: waiting for the next attempt" in row
