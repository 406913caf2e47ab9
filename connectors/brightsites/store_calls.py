"""One logical call to the Bright Sites REST API v2.7.0, and its pages: what every endpoint of the client
(client.py) goes through.

Every request that reaches Bright Sites is billed, so every such attempt is counted (`calls`; `on_call` sees
every attempt, a refused connection marked unbilled), lists with per_page=500, only idempotent requests are
retried (reads, and the absolute inventory batch_update), never a 4xx. Every attempt first passes the store's
shared call gate (call_gate.py); a 429 with Retry-After closes that gate for every client of the store. The
token travels in the X-API-TOKEN header (the legacy `?token=` only behind `token_in_query`) and never appears
in error text or logs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Self, TypedDict, Unpack

import requests
from urllib3.exceptions import NewConnectionError

from connectors.brightsites import errors
from connectors.brightsites.call_gate import CallGate, OpenGate
from connectors.brightsites.hosts import normalise_shop_domain
from connectors.brightsites.redaction import install_log_redaction, redact
from connectors.brightsites.responses import interpret_response, served_at
from connectors.brightsites.results import Answer, CallRecord, Page
from connectors.brightsites.retry import RetryPolicy
from connectors.brightsites.transport import build_session, read_capped

logger = logging.getLogger(__name__)
install_log_redaction()

API_PREFIX = "/api/v2.7.0"
MAX_PER_PAGE = 500
BODY_EXCERPT_BYTES = 2048


class CallOptions(TypedDict, total=False):
    """The keyword arguments of a call (`StoreCaller.answer` says what each means), for `request`, which
    passes them on."""

    ids: Mapping[str, object] | None
    params: Mapping[str, Any] | None
    body: Any
    retry: bool
    idempotent: bool


def _record_id(value: object) -> int:
    """Ids go into URL paths, so only plain positive integers are accepted."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValueError("record ids must be positive integers")
    return int(value)


def _never_connected(failure: requests.RequestException) -> bool:
    """A refused connection (urllib3's NewConnectionError under requests' ConnectionError): nothing left."""
    reason = getattr(failure.args[0], "reason", None) if failure.args else None
    return isinstance(failure, requests.ConnectionError) and isinstance(reason, NewConnectionError)


class StoreCaller:
    """The store's address and token, its session, retries and call gate: `request`/`answer` make one logical
    call, `list_page`/`iter_pages` read a listing. BrightSitesClient adds the endpoints."""

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
        return f"{type(self).__name__}({self.shop_domain!r}, calls={self.calls})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, endpoint: str, **options: Unpack[CallOptions]) -> Any:
        """The answer's JSON (see `answer`)."""
        return self.answer(method, endpoint, **options).data

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
        """One logical call; `endpoint` is a path template such as `/orders/{order_id}` whose fields `ids`
        fills. A write is retried only when `idempotent` says sending it twice does no more than sending it
        once. The answer carries the store's clock."""
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
