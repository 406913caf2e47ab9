"""The Overview (/overview) is the page an operator opens first: per channel what needs attention (failed
orders, unsent shipments, unpushed stock, the token, the breaker, the allowance), each a link to where it is
fixed; the day's orders in and shipments out; the last successes; "nothing to do" when so. Its cost in
queries does not grow with the number of channels."""

from __future__ import annotations

import re
from datetime import timedelta

from extensions import db
from models.activity import PendingOrder
from models.base import utcnow
from models.breakers import BreakerState, StoreBreaker
from models.shipments import ExportStatus, Shipment
from models.tenancy import Role
from services.api_cost import budget, usage
from services.orders.counts import ImportedCount, imported_per_channel
from tests.support.orders import make_order
from tests.support.queries import page_statements, recorded_statements
from tests.support.shipments import carriers
from tests.support.world import ROLE_EMAILS, add_channel


def _card(html: str, name: str) -> str:
    cards = re.findall(r'<article class="card mb-3" data-testid="overview-channel".*?</article>', html, re.S)
    return next(card for card in cards if f">{name}</a>" in card)


def test_nothing_to_do_says_so(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    html = client.get("/overview").text
    assert "Nothing needs attention: every channel is up to date." in html
    assert "Nothing to do." in _card(html, world.a.channel.name)


def test_each_problem_is_a_link_to_where_it_is_fixed(client, login, world):
    refused = add_channel(world, "Refused store", token_refused_at=utcnow())
    busy = add_channel(world, "Busy store")
    db.session.add_all(
        PendingOrder(channel_id=busy.id, external_id=n, number=str(n), reason="x") for n in range(1, 4)
    )
    db.session.add(
        StoreBreaker(shop_domain=busy.shop_domain, state=BreakerState.OPEN, failures=5, open_until=utcnow())
    )
    budget.change(busy, None, 100, 10)
    usage.add(busy.id, "import_orders", 12, usage.today())
    db.session.commit()

    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    html = client.get("/overview").text
    assert "Nothing needs attention" not in html
    card = _card(html, "Refused store")
    assert (
        f'href="/channels/{refused.id}/advanced">The store refused the access token: replace it.</a>' in card
    )
    card = _card(html, "Busy store")
    assert f'href="/channels/{busy.id}/sync/failed-orders">3 failed orders waiting for a retry.</a>' in card
    assert "The store kept failing: its circuit breaker is open." in card
    assert f'href="/channels/{busy.id}/main#api-cost-section"' in card and "warning threshold" in card
    assert re.search(r'data-testid="overview-allowance">12 of 100<', card)
    assert "Nothing to do." in _card(html, world.a.channel.name)


def test_today_counts_orders_in_and_shipments_out_since_the_accounts_midnight(client, login, world):
    channel = world.a.channel
    make_order(channel, imported_at=utcnow())
    make_order(channel, imported_at=utcnow())
    make_order(channel, imported_at=utcnow() - timedelta(days=2))  # another day
    sent = make_order(channel, imported_at=utcnow() - timedelta(days=2))
    db.session.add(
        Shipment(
            account_id=channel.account_id,
            order_id=sent.id,
            channel_id=channel.id,
            carrier_service_id=next(iter(carriers().values())).id,
            tracking_number="1Z999",
            ship_date=utcnow().date(),
            export_status=ExportStatus.SENT,
            sent_at=utcnow(),
        )
    )
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    card = _card(client.get("/overview").text, channel.name)
    assert re.search(r'data-testid="overview-orders-in">2<', card)
    assert re.search(r'data-testid="overview-shipments-out">1<', card)


def test_the_board_costs_the_same_queries_for_any_number_of_channels(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    one = len(page_statements(client, "/overview"))
    for n in range(5):
        add_channel(world, f"More {n}")
    assert len(page_statements(client, "/overview")) == one


def test_the_boards_poll_renders_the_board_alone_without_counting_the_catalog(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    with recorded_statements() as statements:
        page = client.get("/overview")
        poll = client.get("/overview", headers={"HX-Request": "true"})
    assert page.status_code == poll.status_code == 200
    assert 'data-testid="count-products"' in page.text
    assert 'data-testid="count-products"' not in poll.text and 'id="overview-board"' in poll.text
    # The variants are counted once: for the page, not for its poll.
    assert sum("count(product_variant.id)" in statement for statement in statements) == 1


def test_other_tenants_channels_are_not_shown(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert world.b.channel.name not in client.get("/overview").text


def test_the_channel_list_shows_the_orders_imported_in_all(client, login, world):
    channel = world.a.channel
    for _ in range(3):
        make_order(channel)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    html = client.get("/channels/").text
    assert '<div data-testid="orders-imported">3 orders imported in all</div>' in html


def test_past_its_cap_the_channel_list_says_n_plus_orders_imported(app, client, login, world):
    app.config["CHANNEL_ORDER_COUNT_CAP"] = 2
    for _ in range(3):
        make_order(world.a.channel)
    make_order(world.b.channel)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    html = client.get("/channels/").text
    assert '<div data-testid="orders-imported">2+ orders imported in all</div>' in html
    app.config["CHANNEL_ORDER_COUNT_CAP"] = 3
    html = client.get("/channels/").text
    assert '<div data-testid="orders-imported">3 orders imported in all</div>' in html
    counts = imported_per_channel([world.a.channel.id, world.b.channel.id], cap=2)
    assert counts == {world.a.channel.id: ImportedCount(2, more=True), world.b.channel.id: ImportedCount(1)}
    assert str(counts[world.a.channel.id]) == "2+"
