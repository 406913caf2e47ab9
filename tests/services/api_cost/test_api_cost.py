"""API cost (issue 15): every billed call is counted per channel, UTC day and action, by the runs and by the
routes that call the store; the channel page shows today, the month and a 30-day chart by action; at the
warning threshold a banner shows on the channel and the list; at the allowance scheduled runs pause and a run
by hand asks for a confirmation. Real simulator, real Redis, a real RQ worker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models.activity import SyncAction, SyncRun, SyncTrigger
from models.api_cost import ApiCallDay
from models.base import utcnow
from models.channels import AuditEvent
from models.tenancy import Role
from services.api_cost import budget, usage
from sync.schedule import due_channels
from tests.support.sync import catalog_for, import_now, make_store, sync_channel, work
from tests.support.world import ROLE_EMAILS


def counted(channel_id: int) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(ApiCallDay).where(ApiCallDay.channel_id == channel_id))
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.action] = totals.get(row.action, 0) + row.calls
    return totals


def test_runs_and_routes_count_every_billed_call_by_action(app, client, login, simulator, world):
    store = make_store(simulator, seed=7, products=2, orders=6, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    first_attempt = 1 + app.config["SYNC_CLIENT_RETRIES"]
    simulator.set_faults(store, script=["500"] * first_attempt)  # the first attempt fails: billed too

    run = import_now(channel)

    assert run.api_calls > first_attempt
    assert counted(channel.id) == {"import_orders": run.api_calls}
    assert run.api_calls == simulator.calls(store)["total"]

    simulator.reset_calls(store)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        f"/channels/{channel.id}/token", data={"access_token": "wrong-token-of-32-characters-x"}
    )
    assert response.status_code == 422  # refused: nothing saved, but the store billed the check
    checks = simulator.calls(store)["total"]
    assert checks >= 1
    assert counted(channel.id) == {"import_orders": run.api_calls, usage.CONNECTION_CHECK: checks}


def test_the_counter_adds_up_on_one_row_per_day_and_action(app, world):
    channel = world.a.channel
    today = usage.today()
    usage.add(channel.id, "import_orders", 3)
    db.session.commit()
    usage.add(channel.id, "import_orders", 4, own_transaction=True)
    usage.add(channel.id, "export_inventory", 2, today - timedelta(days=1))
    usage.add(channel.id, "export_inventory", 0)
    db.session.commit()
    rows = db.session.scalars(select(ApiCallDay).where(ApiCallDay.channel_id == channel.id)).all()
    assert sorted((r.day, r.action, r.calls) for r in rows) == sorted(
        [(today, "import_orders", 7), (today - timedelta(days=1), "export_inventory", 2)]
    )
    seen = usage.usage(channel.id, today)
    assert seen.today == 7
    assert seen.by_action == {"import_orders": 7, "export_inventory": 2}
    assert len(seen.days) == usage.CHART_DAYS and seen.days[-1].day == today


def test_the_channel_page_shows_the_cost_chart_with_its_table(client, login, world):
    channel = world.a.channel
    today = usage.today()
    usage.add(channel.id, "import_orders", 120, today)
    usage.add(channel.id, "export_shipments", 30, today)
    usage.add(channel.id, usage.REFERENCE_LISTS, 5, today - timedelta(days=3))
    usage.add(channel.id, "import_orders", 999, today - timedelta(days=40))  # outside the chart
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/channels/{channel.id}/main").text
    assert 'data-testid="calls-today">150<' in page
    assert "Calls this month (UTC)" in page
    assert '<svg class="cost-chart"' in page and '<title id="cost-chart-title">' in page
    assert 'data-action="import_orders" data-calls="120"' in page
    assert 'data-action="reference_lists" data-calls="5"' in page
    assert 'data-calls="999"' not in page
    assert "Store lists" in page and "Export shipments" in page  # legend and table headings
    assert (
        "style=" not in page.split('id="api-cost-section"')[1].split("</section>")[0]
    )  # CSP: no inline style


def test_threshold_banner_then_pause_at_the_allowance(app, client, login, world):
    channel = world.a.channel
    channel.token_ciphertext = "x"  # scheduled runs need a token; this one is never used here
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        f"/channels/{channel.id}/api-cost",
        data={"monthly_allowance": "100", "warning_calls": "80"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "API cost settings saved." in response.text
    audited = db.session.scalars(
        select(AuditEvent.field).where(AuditEvent.channel_id == channel.id, AuditEvent.field != "")
    ).all()
    assert {"monthly_allowance", "warning_calls"} <= set(audited)

    usage.add(channel.id, "import_orders", 79)
    db.session.commit()
    assert "api-cost-banner" not in client.get(f"/channels/{channel.id}/main").text
    assert channel in due_channels(SyncAction.IMPORT_ORDERS, utcnow())

    usage.add(channel.id, "import_orders", 1)  # 80: the warning
    db.session.commit()
    assert "passed the warning threshold of 80 of 100" in client.get(f"/channels/{channel.id}/main").text
    assert "passed the warning threshold" in client.get("/channels/").text
    assert channel in due_channels(SyncAction.IMPORT_ORDERS, utcnow())  # a warning pauses nothing

    usage.add(channel.id, "export_inventory", 20)  # 100: the allowance
    db.session.commit()
    assert budget.state(channel).over_allowance
    assert "scheduled runs are paused" in client.get(f"/channels/{channel.id}/main").text
    assert "reached the allowance of 100" in client.get("/channels/").text
    for action in (SyncAction.IMPORT_ORDERS, SyncAction.EXPORT_SHIPMENTS, SyncAction.EXPORT_INVENTORY):
        assert channel not in due_channels(action, utcnow())


def test_a_run_by_hand_past_the_allowance_asks_first(app, client, login, simulator, world):
    store = make_store(simulator, seed=2, products=1, orders=2, moas_rate=0, gift_rate=0)
    channel = sync_channel(store, world.a.account)
    budget.change(channel, None, 10, None)
    usage.add(channel.id, "import_orders", 10)
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])

    page = client.post(f"/channels/{channel.id}/sync/import-orders", data={"created_from": "2025-01-01"})
    assert page.status_code == 200
    assert "Import orders past the monthly allowance?" in page.text
    assert 'name="created_from" value="2025-01-01"' in page.text  # the form is sent again as it was
    assert db.session.scalar(select(SyncRun.id).where(SyncRun.channel_id == channel.id)) is None

    page = client.post(f"/channels/{channel.id}/sync/export-inventory", data={}, follow_redirects=False)
    assert "Export inventory past the monthly allowance?" in page.text

    confirmed = client.post(
        f"/channels/{channel.id}/sync/import-orders",
        data={"created_from": "2025-01-01", "over_allowance": "confirmed"},
    )
    assert confirmed.status_code == 303
    run = db.session.scalar(select(SyncRun).where(SyncRun.channel_id == channel.id))
    assert run.trigger == SyncTrigger.MANUAL and run.params.get("created_from")
    work()


def test_the_allowance_form_keeps_what_was_typed_on_errors(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        f"/channels/{world.a.channel.id}/api-cost",
        data={"monthly_allowance": "50", "warning_calls": "80"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "must not be above the monthly allowance" in response.text
    assert 'value="80"' in response.text and 'value="50"' in response.text
    saved = client.post(f"/channels/{world.a.channel.id}/api-cost", data={"monthly_allowance": "5"})
    assert saved.status_code == 303  # without htmx: back to the page (PRG)
    assert budget.settings_of(world.a.channel).monthly_allowance == 5


def test_a_number_no_float_can_hold_is_refused_not_a_500(client, login, world):
    """Found by the fuzzer on PostgreSQL: WTForms' own range check converts the number to a float."""
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        f"/channels/{world.a.channel.id}/api-cost",
        data={"monthly_allowance": "0", "warning_calls": "9" * 400},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Number must be between 1 and 100000000" in response.text


def test_account_users_may_not_change_the_allowance(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    response = client.post(f"/channels/{world.a.channel.id}/api-cost", data={"monthly_allowance": "5"})
    assert response.status_code == 403
    assert budget.settings_of(world.a.channel) is None
