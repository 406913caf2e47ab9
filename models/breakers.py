"""The circuit breaker of each store (by shop domain), in the database so every worker and the cron see it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import enum_as_string


class BreakerState(enum.StrEnum):
    CLOSED = "closed"  # runs call the store
    OPEN = "open"  # scheduled runs exit without calling until `open_until`
    HALF_OPEN = "half_open"  # one scheduled run (the probe) is trying the store


class StoreBreaker(db.Model):
    shop_domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    state: Mapped[BreakerState] = mapped_column(enum_as_string(BreakerState), default=BreakerState.CLOSED)
    failures: Mapped[int] = mapped_column(default=0)  # consecutive attempts the store could not serve
    open_minutes: Mapped[int] = mapped_column(default=0)  # how long the last opening lasts (doubles)
    opened_at: Mapped[datetime | None]
    open_until: Mapped[datetime | None]
    probe_started_at: Mapped[datetime | None]
