"""The circuit breaker of each store (security requirement SYNC-08): after `BREAKER_FAILURES` consecutive
attempts the store could not serve (5xx, 429, timeouts), scheduled runs stop calling it for
`BREAKER_OPEN_MINUTES`; then one scheduled run is let through as a probe (half-open). A probe that fails opens
it again for twice as long (capped at `BREAKER_MAX_OPEN_MINUTES`); the first success, scheduled or by hand,
closes it. Runs started by hand always go through: someone chose to pay for them.

A refused token (401/403) is not counted here: the channel's `token_refused_at` already keeps scheduled runs
from calling until the credentials change, and the health panel shows it as the breaker held open.

The state is a row per shop domain, so every worker and the cron see the same one; the probe is claimed with a
conditional UPDATE, so two runs starting together cannot both be it."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from extensions import db
from models.breakers import BreakerState, StoreBreaker
from sync.errors import CredentialsRefused, RunEnding, StoreUnavailable

# A probe whose run never reported back (its worker died) stops holding the store after this long: more than
# a run's job timeout.
PROBE_EXPIRES = timedelta(minutes=70)


def _blocking(now: datetime):
    return or_(
        (StoreBreaker.state == BreakerState.OPEN) & (StoreBreaker.open_until > now),
        (StoreBreaker.state == BreakerState.HALF_OPEN)
        & (StoreBreaker.probe_started_at > now - PROBE_EXPIRES),
    )


def blocked_domains(now: datetime) -> set[str]:
    """Stores scheduled runs must not call now (the schedule leaves their channels out)."""
    return set(db.session.scalars(select(StoreBreaker.shop_domain).where(_blocking(now))))


def admit_scheduled(shop_domain: str, now: datetime) -> bool:
    """May a scheduled run call the store now? Closed: yes. Open past its time (or a probe gone silent): only
    the run that claims the probe. Otherwise no."""
    breaker = db.session.get(StoreBreaker, shop_domain, populate_existing=True)
    if breaker is None or breaker.state == BreakerState.CLOSED:
        return True
    claimed = db.session.execute(
        update(StoreBreaker)
        .where(
            StoreBreaker.shop_domain == shop_domain,
            or_(
                (StoreBreaker.state == BreakerState.OPEN) & (StoreBreaker.open_until <= now),
                (StoreBreaker.state == BreakerState.HALF_OPEN)
                & (StoreBreaker.probe_started_at <= now - PROBE_EXPIRES),
            ),
        )
        .values(state=BreakerState.HALF_OPEN, probe_started_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire(breaker)
    return claimed.rowcount == 1


def record(shop_domain: str, error: RunEnding | None, now: datetime) -> None:
    """After an attempt that called the store: a success closes the breaker, an outage counts (and opens it,
    or re-opens a failed probe for twice as long); other endings say nothing about the store being up, except
    that a probe which ended so gives the store back to the next probe after the same wait. The caller
    commits."""
    if isinstance(error, CredentialsRefused):
        return
    breaker = _locked(shop_domain)
    if error is None:
        breaker.state, breaker.failures, breaker.open_minutes = BreakerState.CLOSED, 0, 0
        breaker.opened_at = breaker.open_until = breaker.probe_started_at = None
        return
    config = current_app.config
    if not isinstance(error, StoreUnavailable):
        if breaker.state == BreakerState.HALF_OPEN:
            _open(breaker, breaker.open_minutes or config["BREAKER_OPEN_MINUTES"], now)
        return
    breaker.failures += 1
    if breaker.state == BreakerState.HALF_OPEN:
        doubled = min(breaker.open_minutes * 2, config["BREAKER_MAX_OPEN_MINUTES"])
        _open(breaker, doubled or config["BREAKER_OPEN_MINUTES"], now)
    elif breaker.state == BreakerState.CLOSED and breaker.failures >= config["BREAKER_FAILURES"]:
        _open(breaker, config["BREAKER_OPEN_MINUTES"], now)


def _open(breaker: StoreBreaker, minutes: int, now: datetime) -> None:
    breaker.state = BreakerState.OPEN
    breaker.open_minutes = minutes
    breaker.opened_at = now
    breaker.open_until = now + timedelta(minutes=minutes)
    breaker.probe_started_at = None


def _locked(shop_domain: str) -> StoreBreaker:
    """The store's row, created when missing, locked until the commit (PostgreSQL; SQLite writes one at a
    time anyway)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(StoreBreaker)
        .values(shop_domain=shop_domain, state=BreakerState.CLOSED, failures=0, open_minutes=0)
        .on_conflict_do_nothing(index_elements=["shop_domain"])
    )
    return db.session.scalars(
        select(StoreBreaker)
        .where(StoreBreaker.shop_domain == shop_domain)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
