"""BrightSitesClient against the simulator over real HTTP: pagination, filters, typed errors, billed-call
counts with faults, Retry-After handling, token hygiene, redirects, size cap, test_connection."""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from connectors.brightsites import (
    AuthenticationError,
    BrightSitesError,
    CallRecord,
    NotFound,
    PermissionDenied,
    RateLimited,
    RedirectRefused,
    ResponseTooLarge,
    Unavailable,
    ValidationFailed,
    translate,
)
from connectors.brightsites.translate import shipment_payload

SENTINEL = "SENTINELtoken0123456789abcdef0123456789"


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


# --- pagination and filters -------------------------------------------------------------------------------


def test_pagination_crosses_page_borders_with_the_minimum_of_calls(simulator):
    store = simulator.create_store(seed=3, products=4, orders=1203)
    client = simulator.client(store)

    ids = [o["order_id"] for o in client.iter_orders()]

    assert len(ids) == 1203 == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    assert client.calls == 3  # 500 + 500 + 203 (the short page ends the listing)
    assert simulator.calls(store)["read_write"] == 3


def test_pagination_stops_at_meta_total_without_an_empty_page(simulator):
    store = simulator.create_store(seed=3, products=2, orders=1000)
    client = simulator.client(store)

    assert sum(1 for _ in client.iter_orders()) == 1000
    assert client.calls == 2


def test_list_orders_page_exposes_meta(simulator, bs_store):
    page = simulator.client(bs_store).list_orders_page(page=2, per_page=5)

    assert (page.total, page.offset, page.limit, len(page.items)) == (12, 5, 5, 5)
    assert set(page.items[0]) == {
        "order_id",
        "shipping_method",
        "tracking",
        "created_at",
        "updated_at",
        "status",
        "customer",
    }


def test_filters_select_what_the_store_selects(simulator, bs_store):
    client = simulator.client(bs_store)
    everything = list(client.iter_orders())
    some_status = everything[0]["status"]
    some_customer = everything[-1]["customer"]
    middle = datetime.fromisoformat(sorted(o["updated_at"] for o in everything)[6])

    by_status = list(client.iter_orders(status=some_status))
    by_customer = list(client.iter_orders(customer=some_customer))
    recent = list(client.iter_orders(updated_from=middle))
    created_early = list(client.iter_orders(created_to=middle, created_from=middle - timedelta(days=365)))

    assert by_status and {o["status"] for o in by_status} == {some_status}
    assert [o["order_id"] for o in by_status] == [
        o["order_id"] for o in everything if o["status"] == some_status
    ]
    assert {o["customer"] for o in by_customer} == {some_customer}
    assert {o["order_id"] for o in recent} == {
        o["order_id"] for o in everything if datetime.fromisoformat(o["updated_at"]) >= middle
    }
    assert all(datetime.fromisoformat(o["created_at"]) <= middle for o in created_early)


def test_filter_values_are_checked_before_any_billed_call(simulator, bs_store):
    client = simulator.client(bs_store)

    with pytest.raises(ValueError):
        list(client.iter_orders(updated_from=datetime(2025, 1, 1)))  # naive
    with pytest.raises(ValueError):
        list(client.iter_orders(status="in progress"))
    assert client.calls == 0


def test_inventories_products_and_reference_lists(simulator, bs_store):
    client = simulator.client(bs_store)

    rows = list(client.iter_inventories())
    products = list(client.iter_products())

    assert {r["product_id"] for r in rows}.isdisjoint({6})  # vendor-managed product 6 is not listed
    assert len(products) == 7  # 6 generated + the gift-certificate product
    assert client.get_product(1)["sku_separator"] == "-"
    assert client.get_product_inventories(6) == {"enabled": False, "inventories": []}
    assert "UPS Ground" in client.list_shipping_methods()
    assert len(client.list_origin_addresses()) == 3


# --- writes ---------------------------------------------------------------------------------------------


def test_cancel_order_cancels_once_and_says_so(simulator, bs_store):
    client = simulator.client(bs_store)
    order_id = next(o["order_id"] for o in client.iter_orders(status="new"))

    first = client.cancel_order(order_id)
    again = client.cancel_order(order_id)

    assert first["errors"] == [] and "Set status to 'Canceled'" in first["success"]
    assert client.get_order(order_id)["status"] == "canceled"
    assert again == {"success": [], "errors": ["Order is already canceled"]}


def test_shipment_round_trip(simulator, bs_store):
    client = simulator.client(bs_store)
    order = next(client.get_order(o["order_id"]) for o in client.iter_orders(status="new"))
    line = order["line_items"][0]

    created = client.create_shipment(
        order["order_id"], shipment_payload([(line["id"], 1)], tracking_number="1Z999")
    )
    listed = client.list_shipments(order["order_id"])
    deleted = client.delete_shipment(order["order_id"], created["id"])

    assert created["line_items"] == [{"id": line["id"], "quantity": 1}]
    assert created["shipping_method"] == order["shipment"]["shipping_method"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert deleted["id"] == created["id"]


def test_update_and_batch_update(simulator, bs_store):
    client = simulator.client(bs_store)
    row = next(client.iter_inventories())

    updated = client.update_order(1, note="picked", tracking_number="1Z1")
    before = datetime.now(UTC).replace(microsecond=0)
    stock = client.batch_update_inventory(row["product_id"], [{"id": row["id"], "inventory": 42}])

    assert updated["notes"][-1]["note"] == "picked"
    assert updated["shipment"]["tracking_number"] == "1Z1"
    assert stock.rows[0]["inventory"] == 42
    # the store's clock at its confirmation, from its Date header (whole seconds; one clock on this machine)
    assert before <= stock.served_at <= datetime.now(UTC)


def test_legacy_put_answer_gives_the_creation_time_and_no_update_time(simulator, bs_store):
    """A store answering PUT with the older serializer (only `date`, the creation time): the record must not
    pass the creation time off as the update time."""
    simulator.set_faults(bs_store, legacy_put_shape=True)
    client = simulator.client(bs_store)
    order_id = next(client.iter_orders())["order_id"]

    record = translate.order(client.update_order(order_id, note="packed"))
    shown = translate.order(client.get_order(order_id))

    assert record.created_at == shown.created_at
    assert shown.updated_at > shown.created_at  # the note moved it
    assert record.updated_at is None


# --- typed errors and billed calls ----------------------------------------------------------------------


def test_unknown_token_is_an_authentication_error_and_not_retried(simulator, bs_store):
    client = simulator.client(bs_store, token="not-a-token")

    with pytest.raises(AuthenticationError) as caught:
        client.list_shipping_methods()

    assert caught.value.status == 401
    assert client.calls == 1


def test_read_only_token_write_is_permission_denied(simulator, bs_store):
    client = simulator.client(bs_store, readonly=True)

    with pytest.raises(PermissionDenied):
        client.update_order(1, note="hello")
    assert client.calls == 1


def test_unknown_order_is_not_found(simulator, bs_store):
    with pytest.raises(NotFound) as caught:
        simulator.client(bs_store).get_order(999_999)

    assert (caught.value.method, caught.value.endpoint, caught.value.status) == (
        "GET",
        "/orders/{order_id}",
        404,
    )


def test_validation_failure_carries_field_messages_and_is_billed_once(simulator, bs_store):
    client = simulator.client(bs_store)

    with pytest.raises(ValidationFailed) as caught:
        client.update_order(1, status="in progress")

    assert list(caught.value.field_errors) == ["status"]
    assert "status must be one of new, billed" in caught.value.field_errors["status"][0]
    assert client.calls == 1
    assert simulator.calls(bs_store)["total"] == 1


def test_moas_order_refuses_status_changes_with_an_array_message(simulator, bs_store):
    client = simulator.client(bs_store)
    order_id = simulator.add_order(bs_store, status="moas_pending")

    with pytest.raises(ValidationFailed) as caught:
        client.update_order(order_id, status="shipped")

    assert caught.value.field_errors == {
        "status": ["Order has not been approved, unable to change orders status"]
    }


def test_a_500_then_success_costs_two_calls(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500"])
    client = simulator.client(bs_store)

    assert client.list_shipping_methods()
    assert client.calls == 2
    assert simulator.calls(bs_store)["total"] == 2


def test_a_write_getting_500_is_not_retried(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500"])
    client = simulator.client(bs_store)

    with pytest.raises(Unavailable) as caught:
        client.update_order(1, note="once")

    assert caught.value.status == 500
    assert client.calls == 1
    assert simulator.calls(bs_store)["total"] == 1


def test_a_shipment_post_is_never_retried_even_when_its_answer_is_lost(simulator, bs_store):
    client = simulator.client(bs_store)
    order = next(client.iter_orders(status="new"))
    line = client.get_order(order["order_id"])["line_items"][0]
    simulator.reset_calls(bs_store)
    before = client.calls
    simulator.set_faults(bs_store, script=["drop_after"])  # the store writes, the answer is lost

    with pytest.raises(Unavailable):
        client.create_shipment(
            order["order_id"], {"shipment": {"line_items": [{"id": line["id"], "quantity": 1}]}}
        )

    assert client.calls - before == 1 == simulator.calls(bs_store)["total"]
    assert len(client.list_shipments(order["order_id"])) == 1  # it is there: the caller reconciles


@pytest.mark.parametrize("fault", ["500", "429", "drop", "timeout"])
def test_an_absolute_batch_update_is_retried_as_idempotent(simulator, bs_store, fault):
    """Setting absolute figures twice leaves the store as setting them once, so a lost answer is retried."""
    client = simulator.client(bs_store, timeout=(2, 0.3))
    row = next(client.iter_inventories())
    simulator.set_faults(bs_store, script=[fault], timeout_seconds=0.6, retry_after="0")
    calls_before = client.calls

    stock = client.batch_update_inventory(row["product_id"], [{"id": row["id"], "inventory": 17}])

    assert stock.rows[0]["inventory"] == 17
    assert client.calls - calls_before == 2
    simulator.reset_faults(bs_store)
    again = client.get_product_inventories(row["product_id"])["inventories"]
    assert next(item for item in again if item["id"] == row["id"])["inventory"] == 17


@pytest.mark.parametrize("fault", ["drop", "timeout"])
def test_dropped_and_slow_answers_are_retried_reads(simulator, bs_store, fault):
    simulator.set_faults(bs_store, script=[fault], timeout_seconds=0.6)
    client = simulator.client(bs_store, timeout=(2, 0.3))

    assert client.get_order(1)["order_id"] == 1
    assert client.calls == 2


def test_retries_give_up_after_max_retries_with_jittered_capped_backoff(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500"] * 5)
    sleeps = SleepRecorder()
    client = simulator.client(bs_store, sleep=sleeps, max_retries=3, backoff_base=0.5, backoff_cap=1.0)

    with pytest.raises(Unavailable):
        client.get_order(1)

    assert client.calls == 4
    assert len(sleeps.calls) == 3
    assert all(0 <= s <= bound for s, bound in zip(sleeps.calls, [0.5, 1.0, 1.0], strict=True))


def test_retry_after_seconds_is_honoured(simulator, bs_store):
    simulator.set_faults(bs_store, script=["429", "429"], retry_after="2")
    sleeps = SleepRecorder()
    client = simulator.client(bs_store, sleep=sleeps)

    assert client.get_order(1)["order_id"] == 1
    assert sleeps.calls == [2.0, 2.0]
    assert client.calls == 3


def test_retry_after_http_date_is_honoured(simulator, bs_store):
    simulator.set_faults(bs_store, script=["429"], retry_after="Thu, 26 Nov 2026 09:00:05 GMT")
    sleeps = SleepRecorder()

    # The clock stands still five seconds before that date: the wait is exact, however slow the machine.
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC), tick=False):
        simulator.client(bs_store, sleep=sleeps).get_order(1)

    assert sleeps.calls == [5.0]


def test_retry_after_over_the_cap_raises_without_sleeping(simulator, bs_store):
    simulator.set_faults(bs_store, script=["429"], retry_after="3600")
    sleeps = SleepRecorder()
    client = simulator.client(bs_store, sleep=sleeps, retry_after_cap=30)

    with pytest.raises(RateLimited) as caught:
        client.get_order(1)

    assert caught.value.retry_after == 3600
    assert sleeps.calls == []
    assert client.calls == 1


def test_redirects_are_not_followed(simulator, bs_store):
    simulator.set_faults(bs_store, script=["redirect"])
    client = simulator.client(bs_store)

    with pytest.raises(RedirectRefused):
        client.get_order(1)

    assert client.calls == 1
    assert simulator.calls(bs_store)["total"] == 1


def test_oversized_bodies_are_refused(simulator, bs_store):
    client = simulator.client(bs_store, max_response_bytes=2_000)

    with pytest.raises(ResponseTooLarge):
        client.get_order(1)


def test_every_attempt_is_reported_as_a_call_record(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500"])
    records: list[CallRecord] = []
    client = simulator.client(bs_store, on_call=records.append, token_in_query=True)

    client.get_order(2)
    with pytest.raises(ValidationFailed):
        client.update_order(2, status="nope")

    assert [(r.method, r.path, r.endpoint, r.status, r.attempt) for r in records] == [
        ("GET", "/orders/2", "/orders/{order_id}", 500, 1),
        ("GET", "/orders/2", "/orders/{order_id}", 200, 2),
        ("PUT", "/orders/2", "/orders/{order_id}", 422, 1),
    ]
    assert records[2].request_body == '{"order": {"status": "nope"}}'
    assert "status must be one of" in records[2].response_body
    assert records[2].error == "ValidationFailed"
    assert all(r.duration_ms >= 0 for r in records)
    assert len(records[1].response_body) <= 2048


# --- token hygiene --------------------------------------------------------------------------------------


@pytest.mark.parametrize("token_in_query", [False, True])
def test_token_never_reaches_errors_or_logs(simulator, caplog, token_in_query):
    caplog.set_level(logging.DEBUG)
    store = simulator.create_store(seed=5, products=2, orders=3, token=SENTINEL)
    client = simulator.client(store, token_in_query=token_in_query, timeout=(2, 0.3), max_retries=0)
    simulator.set_faults(
        store, script=["500", "drop", "timeout", "redirect", "429"], timeout_seconds=0.6, retry_after="9999"
    )
    failures: list[BrightSitesError] = []
    for call in [lambda: client.get_order(1)] * 5 + [
        lambda: client.get_order(999),
        lambda: client.update_order(1, status="bad"),
        lambda: client.create_shipment(1, {"shipment": {"line_items": []}}),
    ]:
        with pytest.raises(BrightSitesError) as caught:
            call()
        failures.append(caught.value)
    # a wrong token that contains the real one
    unauthorised = simulator.client(store, token=SENTINEL + "x", token_in_query=token_in_query)
    with pytest.raises(AuthenticationError) as caught:
        unauthorised.get_order(1)
    failures.append(caught.value)

    texts = [str(e) for e in failures] + [repr(e) for e in failures]
    texts += ["".join(traceback.format_exception(e)) for e in failures]
    assert all(SENTINEL not in text for text in texts)
    assert all("http" not in str(e) for e in failures)  # no URLs at all
    assert SENTINEL not in caplog.text
    assert all(SENTINEL not in record.getMessage() for record in caplog.records)
    assert any(r.name.startswith("urllib3") for r in caplog.records)  # urllib3 DEBUG lines were checked
    assert SENTINEL not in repr(client)


# --- test_connection ------------------------------------------------------------------------------------


def test_connection_ok_costs_two_calls(simulator, bs_store):
    client = simulator.client(bs_store)

    report = client.test_connection()

    assert (report.reachable, report.authenticated, report.can_write, report.message) == (
        True,
        True,
        True,
        "Connected.",
    )
    assert report.ok
    assert client.calls == 2


def test_connection_read_only_token(simulator, bs_store):
    report = simulator.client(bs_store, readonly=True).test_connection()

    assert (report.authenticated, report.can_write) == (True, False)
    assert report.message == "Token is read-only: techOMS will not be able to send shipments and stock."


def test_connection_bad_token(simulator, bs_store):
    client = simulator.client(bs_store, token="wrong")

    report = client.test_connection()

    assert (report.reachable, report.authenticated, report.message) == (
        True,
        False,
        "The access token was refused.",
    )
    assert client.calls == 1


def test_connection_unknown_store(simulator, bs_store):
    from connectors.brightsites import BrightSitesClient

    report = BrightSitesClient("nosuchstore", bs_store.token, route_to=simulator.base_url).test_connection()

    assert (report.reachable, report.message) == (False, "Store not found.")


def test_connection_does_not_retry_or_echo(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500"])
    client = simulator.client(bs_store)

    report = client.test_connection()

    assert report.message == "The store could not be reached."
    assert client.calls == 1


def test_max_pages_guard_stops_an_endless_listing(simulator):
    from connectors.brightsites import PaginationLimitExceeded

    store = simulator.create_store(seed=3, products=2, orders=1203)
    client = simulator.client(store, max_pages=2)

    with pytest.raises(PaginationLimitExceeded):
        list(client.iter_orders())
    assert client.calls == 2


def test_redaction_filter_masks_urllib3_style_records():
    from connectors.brightsites.redaction import TokenRedactingFilter

    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s://%s:%s "%s %s %s" %s %s',
        (
            "https",
            "acme.mybrightsites.com",
            443,
            "GET",
            f"/api/v2.7.0/orders?page=1&token={SENTINEL}",
            "HTTP/1.1",
            200,
            123,
        ),
        None,
    )

    TokenRedactingFilter().filter(record)

    assert SENTINEL not in record.getMessage()
    assert "token=***" in record.getMessage()


def test_a_write_turned_away_with_429_and_retry_after_is_waited_out_and_sent_once(simulator, bs_store):
    """A 429 is a refusal before the store acts: the POST is sent again after Retry-After, and the shipment
    is on the store once; every attempt is counted, as the store bills it."""
    client = simulator.client(bs_store, sleep=(sleeps := SleepRecorder()))
    order = next(client.iter_orders(status="new"))
    line = client.get_order(order["order_id"])["line_items"][0]
    simulator.reset_calls(bs_store)
    before = client.calls
    simulator.set_faults(bs_store, write_rate_limit_rate=1.0, script=["write_429", "ok"], retry_after="2")

    created = client.create_shipment(
        order["order_id"], {"shipment": {"line_items": [{"id": line["id"], "quantity": 1}]}}
    )

    assert created["id"]
    assert sleeps.calls == [2.0]
    assert client.calls - before == 2 == simulator.calls(bs_store)["total"]
    simulator.reset_faults(bs_store)
    assert len(client.list_shipments(order["order_id"])) == 1


def test_the_simulator_can_fail_a_write_after_it_stood(simulator, bs_store):
    client = simulator.client(bs_store)
    simulator.set_faults(bs_store, script=["error_after"])

    with pytest.raises(Unavailable) as caught:
        client.update_order(1, note="written, then 500")

    assert caught.value.status == 500
    notes = simulator.admin("GET", f"/stores/{bs_store.subdomain}/orders/1/payload")["notes"]
    assert notes[-1]["note"] == "written, then 500"


def test_a_refused_connection_is_not_sent_and_a_dropped_one_is_unsure(simulator, bs_store):
    """Nothing listens on the port: the request never left, so a write's outcome is sure (NotSent); a
    connection the store closes after reading the request stays an unsure Unavailable."""
    import socket

    from connectors.brightsites import BrightSitesClient
    from connectors.brightsites.errors import NotSent

    with socket.socket() as probe:  # a free port, closed again: connections to it are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = BrightSitesClient(bs_store.domain, bs_store.token, route_to=f"http://127.0.0.1:{port}")
    with pytest.raises(NotSent):
        closed.update_order(1, note="never sent")
    # Not retried by the client (a write), and not counted: the store billed nothing it never received.
    assert closed.calls == 0

    simulator.set_faults(bs_store, script=["drop"])
    with pytest.raises(Unavailable) as caught:
        simulator.client(bs_store).update_order(1, note="maybe sent")
    assert not isinstance(caught.value, NotSent)
