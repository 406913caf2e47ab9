"""Prometheus metrics, computed on scrape from the database and Redis (a custom collector): with several
gunicorn workers on several machines, every process answers the same figures, and nothing is kept in memory.
The database figures are shared through Redis for METRICS_CACHE_SECONDS, so however many processes and
scrapers there are, the run history is read at most once in that time.

Protected by a bearer token from the environment (METRICS_TOKEN): without one configured the endpoint does not
exist (404), and a missing or wrong token gets the same 404, so the path reveals nothing."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from flask import current_app, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from extensions import redis_client
from models.base import utcnow
from run_queue.enqueue import SYNC_QUEUE, queue_depth
from services import cron_heartbeat, run_metrics

FINAL_RESULTS = {status.value for status in run_metrics.FINAL_STATUSES}
CACHE_KEY = "techoms:metrics:database"


def database_figures() -> dict[str, Any]:
    seconds = current_app.config["METRICS_CACHE_SECONDS"]
    redis = redis_client()
    if seconds > 0:
        with suppress(RedisError):
            cached = redis.get(CACHE_KEY)
            if cached:
                return json.loads(cached)
    figures = run_metrics.snapshot()
    if seconds > 0:
        with suppress(RedisError):  # without Redis, every scrape reads the database
            redis.set(CACHE_KEY, json.dumps(figures), ex=seconds)
    return figures


def authorized() -> bool:
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        return False
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


class TechomsCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        # Finished runs only in the counter (it never goes down); queued and running ones are a gauge.
        runs = CounterMetricFamily(
            "techoms_sync_runs", "Finished sync runs by action and result", labels=["action", "result"]
        )
        active = GaugeMetricFamily(
            "techoms_sync_runs_active", "Sync runs queued or running", labels=["action", "status"]
        )
        figures = database_figures()
        for action, status, count in figures["runs"]:
            (runs if status in FINAL_RESULTS else active).add_metric([action, status], count)
        yield runs
        yield active

        calls = CounterMetricFamily(
            "techoms_store_calls_billed", "Billed store API calls made by runs", labels=["action"]
        )
        for action, total in figures["billed_calls"].items():
            calls.add_metric([action], total)
        yield calls

        durations = HistogramMetricFamily(
            "techoms_sync_run_duration_seconds", "How long finished runs took", labels=["action"]
        )
        for histogram in figures["durations"]:
            durations.add_metric([histogram["action"]], histogram["buckets"], histogram["sum"])
        yield durations

        yield GaugeMetricFamily(
            "techoms_failed_orders", "Store orders waiting for a retry", value=figures["failed_orders"]
        )
        yield GaugeMetricFamily(
            "techoms_unsent_shipments",
            "Shipments the store has not confirmed yet",
            value=figures["unsent_shipments"],
        )
        yield GaugeMetricFamily(
            "techoms_shipments_in_error",
            "Shipments waiting for someone to act",
            value=figures["shipments_in_error"],
        )
        depth = GaugeMetricFamily("techoms_queue_depth", "Jobs waiting in the queue", labels=["queue"])
        depth.add_metric([SYNC_QUEUE], queue_depth())
        yield depth
        age = cron_heartbeat.age_seconds(redis_client(), utcnow())
        yield GaugeMetricFamily(
            "techoms_cron_heartbeat_age_seconds",
            "Seconds since the cron process last ticked (-1: not seen in a day)",
            value=-1 if age is None else round(age, 3),
        )


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TechomsCollector())
    return generate_latest(registry)
