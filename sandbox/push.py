"""The "Push Orders into an Order Management System" add-on: a store configured with a push URL POSTs the
Show Order JSON (the same serializer as `GET /orders/:id`) when an order is placed or approved through the
admin endpoints, or on demand. Sent from background threads, `concurrency` at a time, never billed.

Faults, at seeded rates: a push lost (never sent), sent twice, or held back and delivered after the next one
(out of order). Bright Sites documents no retries: a push the receiver refuses or cannot take is counted as
failed, and not sent again."""

from __future__ import annotations

import json
import queue
import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import requests

from sandbox import serialize
from sandbox.store import Order, Store

API_VERSIONS = ("v2.7.0",)
_STOP = object()


@dataclass
class PushConfig:
    url: str = ""
    api_version: str = API_VERSIONS[0]
    concurrency: int = 1
    seed: int = 0
    lost_rate: float = 0.0
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0  # held back and sent after the next push
    timeout_seconds: float = 10.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def validated(body: dict[str, Any]) -> PushConfig:
    config = PushConfig()
    for name, value in body.items():
        if not hasattr(config, name):
            raise ValueError(f"unknown push setting {name!r}")
        kind = type(getattr(config, name))
        setattr(config, name, kind(value))
    if not config.url.startswith(("http://", "https://")):
        raise ValueError("url must be an http(s) URL")
    if config.api_version not in API_VERSIONS:
        raise ValueError(f"api_version must be one of {', '.join(API_VERSIONS)}")
    if not 1 <= config.concurrency <= 64:
        raise ValueError("concurrency must be between 1 and 64")
    rates = (config.lost_rate, config.duplicate_rate, config.reorder_rate)
    if any(not 0 <= rate <= 1 for rate in rates) or sum(rates) > 1:
        raise ValueError("rates must be between 0 and 1 and add up to at most 1")
    return config


class PushSender:
    def __init__(self, config: PushConfig) -> None:
        self.config = config
        self._queue: queue.Queue = queue.Queue()
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self._held: tuple[int, bytes] | None = None
        self.stats: Counter = Counter()
        self.delivered: set[int] = set()  # orders with at least one push answered 2xx (benches' floors)
        # Orders with a push sent whole but never answered (read timeout): the receiver may well have it, so
        # a floor of the calls it still needs must not count them.
        self.unanswered: set[int] = set()
        self._threads = [
            threading.Thread(target=self._work, name=f"sandbox-push-{i}", daemon=True)
            for i in range(config.concurrency)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, order: Order, store: Store) -> None:
        """Serialize now (the caller holds the store's lock), deliver later; faults decided here."""
        body = (order.id, json.dumps(serialize.order_full(order, store), default=str).encode())
        with self._lock:
            self.stats["submitted"] += 1
            roll = self._rng.random()
            lost, duplicate = self.config.lost_rate, self.config.duplicate_rate
            if roll < lost:
                self.stats["lost"] += 1
                return
            if roll < lost + duplicate:
                self.stats["duplicated"] += 1
                self._put(body)
                self._put(body)
                return
            if roll < lost + duplicate + self.config.reorder_rate and self._held is None:
                self.stats["reordered"] += 1
                self._held = body
                return
            self._put(body)
            if self._held is not None:
                self._put(self._held)
                self._held = None

    def _put(self, body: tuple[int, bytes]) -> None:
        self.stats["queued"] += 1
        self._queue.put(body)

    def wait(self, timeout: float = 60.0) -> bool:
        """Release a held push, and wait until everything queued was sent; False on timeout."""
        with self._lock:
            if self._held is not None:
                self._put(self._held)
                self._held = None
        done = threading.Event()

        def join() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(_STOP)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.config.as_dict(),
                "stats": dict(self.stats),
                "delivered_orders": len(self.delivered),
                "unanswered_orders": len(self.unanswered - self.delivered),
                "pending": self._queue.unfinished_tasks,
            }

    def _work(self) -> None:
        http = requests.Session()
        http.trust_env = False
        while True:
            body = self._queue.get()
            try:
                if body is _STOP:
                    return
                self._send(http, *body)
            finally:
                self._queue.task_done()

    def _send(self, http: requests.Session, order_id: int, body: bytes) -> None:
        try:
            response = http.post(
                self.config.url,
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=self.config.timeout_seconds,
                allow_redirects=False,
            )
            outcome = "sent" if 200 <= response.status_code < 300 else "refused"
            code = str(response.status_code)
        except requests.ReadTimeout:
            outcome, code = "failed", "read_timeout"  # sent whole, no answer in time
        except requests.RequestException:
            outcome, code = "failed", "error"
        with self._lock:
            if outcome == "sent":
                self.delivered.add(order_id)
            elif code == "read_timeout":
                self.unanswered.add(order_id)
            self.stats[outcome] += 1
            self.stats[f"status_{code}"] += 1


def push(store: Store, order: Order) -> bool:
    """Push an order if the store has the add-on configured (the caller holds the store's lock)."""
    sender = store.push
    if sender is None:
        return False
    sender.submit(order, store)
    return True
