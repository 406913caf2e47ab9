"""HTTP client for the Bright Sites REST API v2.7.0 (its documented contract).

Every request that reaches Bright Sites is billed, so the client counts every such attempt (`calls`; `on_call`
sees every attempt, a refused connection marked unbilled), lists with
per_page=500, retries only idempotent requests (reads, and the absolute inventory batch_update), and never
retries a 4xx. Every attempt first passes the store's shared call gate (call_gate.py); a 429 with Retry-After
closes that gate for every client of the store. The token travels in the X-API-TOKEN
header (the legacy `?token=` only behind `token_in_query`) and never appears in error text or logs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from connectors.brightsites import errors
from connectors.brightsites.call_gate import CallGate, OpenGate
from connectors.brightsites.connection_check import check_connection
from connectors.brightsites.hosts import normalise_shop_domain
from connectors.brightsites.redaction import install_log_redaction, redact
from connectors.brightsites.responses import interpret_response, served_at
from connectors.brightsites.results import Answer, BatchConfirmation, CallRecord, ConnectionReport, Page
from connectors.brightsites.retry import RetryPolicy
from connectors.brightsites.statuses import ORDER_STATUSES
from connectors.brightsites.transport import build_session, read_capped

logger = logging.getLogger(__name__)
install_log_redaction()

API_PREFIX = "/api/v2.7.0"
MAX_PER_PAGE = 500
BODY_EXCERPT_BYTES = 2048


def format_filter_time(value: datetime) -> str:
    """Aware datetime -> `YYYY-MM-DDThh:mm:ssZ` (the API reads zoneless values as UTC; we always send Z)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("filter times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record_id(value: object) -> int:
    """Ids go into URL paths, so only plain positive integers are accepted."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValueError("record ids must be positive integers")
    return int(value)


def _collection(data: object, key: str) -> list[Any]:
    found = data.get(key) if isinstance(data, dict) else None
    return found if isinstance(found, list) else []


def _never_connected(failure: requests.RequestException) -> bool:
    """A refused connection (urllib3's NewConnectionError under requests' ConnectionError): nothing left."""
    reason = getattr(failure.args[0], "reason", None) if failure.args else None
    return isinstance(failure, requests.ConnectionError) and isinstance(reason, NewConnectionError)


class BrightSitesClient:
    def __init__(
        self,
        shop_domain: str,
        token: str,
        *,
        route_to: str | None = None,
        token_in_query: bool = False,
        timeout: tuple[float, float] = (5, 30),
        max_response_bytes: int = 20_000_000,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
        on_call: Callable[[CallRecord], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        extra_hosts: frozenset[str] = frozenset(),
        max_pages: int = 1000,
        gate: CallGate | None = None,
    ) -> None:
        if not token:
            raise ValueError("an access token is required")
        self.shop_domain = normalise_shop_domain(shop_domain, extra_hosts)
        self._token = token
        # route_to is a deployment setting (development and tests), never user input: requests go to that base
        # URL with the store's Host header and skip the public-address check.
        self._base_url = route_to.rstrip("/") if route_to else f"https://{self.shop_domain}"
        self._routed = route_to is not None
        self._token_in_query = token_in_query
        self._timeout = timeout
        self._max_response_bytes = max_response_bytes
        self._retry = RetryPolicy(max_retries, backoff_base, backoff_cap, retry_after_cap)
        self._on_call = on_call
        self._sleep = sleep
        self._max_pages = max_pages
        self._gate = gate or OpenGate()
        self._session = build_session(pinned=not self._routed)
        self.calls = 0

    def __repr__(self) -> str:  # no token
        return f"BrightSitesClient({self.shop_domain!r}, calls={self.calls})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> BrightSitesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        ids: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        retry: bool = True,
        idempotent: bool = False,
    ) -> Any:
        """One logical call; `endpoint` is a path template such as `/orders/{order_id}`. A write is retried
        only when `idempotent` says sending it twice does no more than sending it once."""
        return self.answer(
            method, endpoint, ids=ids, params=params, body=body, retry=retry, idempotent=idempotent
        ).data

    def answer(
        self,
        method: str,
        endpoint: str,
        *,
        ids: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        retry: bool = True,
        idempotent: bool = False,
    ) -> Answer:
        """As `request`, with the store's clock at the answer."""
        path = endpoint.format(**{k: _record_id(v) for k, v in (ids or {}).items()})
        attempt = 0
        while True:
            attempt += 1
            try:
                self._gate.acquire()  # the store's shared call rate, before every attempt (retries too)
                return self._attempt(method, endpoint, path, params or {}, body, attempt)
            except errors.BrightSitesError as error:
                delay = (
                    self._retry.delay_before_retry(method, error, attempt, idempotent=idempotent)
                    if retry
                    else None
                )
                if delay is None:
                    raise
                logger.info(
                    "Bright Sites %s %s: %s, retry %d in %.2f s",
                    method,
                    endpoint,
                    type(error).__name__,
                    attempt,
                    delay,
                )
                self._sleep(delay)

    def _attempt(
        self, method: str, endpoint: str, path: str, params: Mapping[str, Any], body: Any, attempt: int
    ) -> Answer:
        query = {**params, "token": self._token} if self._token_in_query else dict(params)
        headers = {} if self._token_in_query else {"X-API-TOKEN": self._token}
        if self._routed:
            headers["Host"] = self.shop_domain
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        status: int | None = None
        raw = b""
        failure: str | None = None
        try:
            try:
                response = self._session.request(
                    method,
                    self._base_url + API_PREFIX + path,
                    params=query,
                    data=data,
                    headers=headers,
                    timeout=self._timeout,
                    allow_redirects=False,
                    stream=True,
                )
                try:
                    status = response.status_code
                    raw = read_capped(response, self._max_response_bytes)
                finally:
                    response.close()
            except requests.ConnectTimeout:
                raise errors.NotSent("Bright Sites could not be reached (no connection)") from None
            except requests.Timeout:
                raise errors.Unavailable("Bright Sites did not answer in time") from None
            except requests.RequestException as failure:
                if _never_connected(failure):
                    raise errors.NotSent("Bright Sites could not be reached (connection refused)") from None
                raise errors.Unavailable("Bright Sites could not be reached") from None
            parsed = interpret_response(method, endpoint, status, response.headers, raw, self._token)
            return Answer(parsed, served_at(response.headers))
        except errors.BrightSitesError as error:
            failure = type(error).__name__
            if isinstance(error, errors.RateLimited) and error.retry_after is not None:
                self._gate.defer(error.retry_after)  # every client of this store waits, not only this one
            error.method, error.endpoint = error.method or method, error.endpoint or endpoint
            error.status = error.status or status
            raise
        finally:
            self._record(
                CallRecord(
                    method=method,
                    path=path,
                    endpoint=endpoint,
                    status=status,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    attempt=attempt,
                    request_body=self._excerpt(data),
                    response_body=self._excerpt(raw),
                    error=failure,
                    billed=failure != errors.NotSent.__name__,
                )
            )

    def _excerpt(self, data: str | bytes | None) -> str | None:
        if not data:
            return None
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        return redact(text[: BODY_EXCERPT_BYTES * 2], self._token)[:BODY_EXCERPT_BYTES]

    def _record(self, record: CallRecord) -> None:
        self.calls += record.billed
        logger.debug(
            "Bright Sites %s %s -> %s in %d ms (attempt %d)",
            record.method,
            record.path,
            record.status if record.status is not None else record.error,
            record.duration_ms,
            record.attempt,
        )
        if self._on_call is not None:
            self._on_call(record)

    # --- pagination ------------------------------------------------------------------------------------

    def list_page(
        self,
        endpoint: str,
        key: str,
        *,
        params: Mapping[str, Any] | None = None,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
    ) -> Page:
        answer = self.answer("GET", endpoint, params={**(params or {}), "page": page, "per_page": per_page})
        data = answer.data
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise errors.UnexpectedResponse(
                f"Bright Sites GET {endpoint} answered without '{key}'",
                method="GET",
                endpoint=endpoint,
                status=200,
            )
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        limit = meta.get("limit")
        total = meta.get("total")
        offset = meta.get("offset")
        return Page(
            items=items,
            page=page,
            limit=limit if isinstance(limit, int) and limit > 0 else per_page,
            total=total if isinstance(total, int) else None,
            offset=offset if isinstance(offset, int) else None,
            served_at=answer.served_at,
        )

    def iter_pages(self, endpoint: str, key: str, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """Pages until an empty page, a page equal to the previous one, meta.total, or a short page."""
        previous: list[Any] | None = None
        for number in range(1, self._max_pages + 1):
            page = self.list_page(endpoint, key, params=params, page=number)
            if not page.items:
                return
            signature = [
                item.get("order_id", item.get("id")) if isinstance(item, dict) else item
                for item in page.items
            ]
            if signature == previous:
                logger.warning("Bright Sites GET %s returned page %d twice; stopping", endpoint, number)
                return
            previous = signature
            yield page
            if page.is_last:
                return
        message = f"Bright Sites GET {endpoint} has more than {self._max_pages} pages"
        raise errors.PaginationLimitExceeded(message, method="GET", endpoint=endpoint)

    # --- orders ----------------------------------------------------------------------------------------

    @staticmethod
    def order_filters(
        *,
        status: str | None = None,
        customer: str | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> dict[str, str]:
        if status is not None and status not in ORDER_STATUSES:
            raise ValueError(f"unknown Bright Sites order status {status!r}")  # a 422 would still be billed
        params = {"status": status, "customer": customer}
        for name, value in (
            ("updated_at_from", updated_from),
            ("updated_at_to", updated_to),
            ("created_at_from", created_from),
            ("created_at_to", created_to),
        ):
            params[name] = format_filter_time(value) if value is not None else None
        return {k: v for k, v in params.items() if v is not None}

    def list_orders_page(self, page: int = 1, per_page: int = MAX_PER_PAGE, **filters: Any) -> Page:
        return self.list_page(
            "/orders", "orders", params=self.order_filters(**filters), page=page, per_page=per_page
        )

    def iter_orders(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Order summaries, newest id first; duplicates at page borders (new orders while paging) dropped."""
        seen: set[Any] = set()
        for page in self.iter_pages("/orders", "orders", self.order_filters(**filters)):
            for summary in page.items:
                if summary.get("order_id") not in seen:
                    seen.add(summary.get("order_id"))
                    yield summary

    def get_order(self, order_id: int) -> dict[str, Any]:
        return self.request("GET", "/orders/{order_id}", ids={"order_id": order_id})

    def update_order(self, order_id: int, **fields: Any) -> dict[str, Any]:
        """PUT /orders/:id. The answer may be the legacy serializer shape; re-GET for the canonical one."""
        return self.request("PUT", "/orders/{order_id}", ids={"order_id": order_id}, body={"order": fields})

    def cancel_order(self, order_id: int) -> dict[str, Any]:
        """Returns {"success": [...], "errors": [...]}; partial success is normal."""
        return self.request("PUT", "/orders/{order_id}/cancel", ids={"order_id": order_id})

    # --- shipments -------------------------------------------------------------------------------------

    def list_shipments(self, order_id: int) -> list[dict[str, Any]]:
        data = self.request("GET", "/orders/{order_id}/shipments", ids={"order_id": order_id})
        return list(_collection(data, "shipments"))

    def create_shipment(self, order_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        """`payload` is the root-keyed body from translate.shipment_payload(): {"shipment": {...}}."""
        if "shipment" not in payload:
            raise ValueError("payload must be {'shipment': {...}} (see translate.shipment_payload)")
        return self.request("POST", "/orders/{order_id}/shipments", ids={"order_id": order_id}, body=payload)

    def delete_shipment(self, order_id: int, shipment_id: int) -> dict[str, Any]:
        return self.request(
            "DELETE",
            "/orders/{order_id}/shipments/{shipment_id}",
            ids={"order_id": order_id, "shipment_id": shipment_id},
        )

    # --- inventory and catalog -------------------------------------------------------------------------

    def iter_inventories(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Store-wide inventory rows; vendor-managed products are not listed by the store."""
        for page in self.iter_pages("/inventories", "inventories", filters):
            yield from page.items

    def batch_update_inventory(self, product_id: int, items: list[Mapping[str, Any]]) -> BatchConfirmation:
        """Absolute values for rows of one product: items are {"id": inventory_id, "inventory": n, ...}.

        Retried like a read after a 5xx, 429, dropped connection or timeout: the values are absolute (set to,
        not add), so a request that did reach the store before its answer was lost sets the same figures
        again. The store applies a batch whole or not at all."""
        answer = self.answer(
            "PUT",
            "/inventories/{product_id}/batch_update",
            ids={"product_id": product_id},
            body={"inventories": [dict(i) for i in items]},
            idempotent=True,
        )
        return BatchConfirmation(list(_collection(answer.data, "inventories")), answer.served_at)

    def get_product_inventories(self, product_id: int) -> dict[str, Any]:
        """{"enabled": bool, "inventories": [...]} (empty when the vendor manages the stock)."""
        return self.request("GET", "/products/{product_id}/inventories", ids={"product_id": product_id})

    def iter_products(self, **filters: Any) -> Iterator[dict[str, Any]]:
        for page in self.iter_pages("/products", "products", filters):
            yield from page.items

    def get_product(self, product_id: int) -> dict[str, Any]:
        return self.request("GET", "/products/{product_id}", ids={"product_id": product_id})

    def list_shipping_methods(self) -> list[str]:
        data = self.request("GET", "/shipping_methods")
        return [str(name) for name in _collection(data, "shipping_methods")]

    def list_origin_addresses(self) -> list[dict[str, Any]]:
        pages = self.iter_pages("/origin_addresses", "origin_addresses")
        return [item for page in pages for item in page.items]

    def test_connection(self) -> ConnectionReport:
        return check_connection(self)
