"""The orders waiting for a retry (PendingOrder) as one import run keeps them: which ids wait, a failure
recorded with its cause and the SKUs that stopped it, the imported or dropped ones cleared in one statement at
the page's commit, and the retries people asked for while the run was queued or running.

A failed order kept without its JSON costs a billed call each time it is retried, and fails again until the
store changes it (which brings it back in the listing anyway): the automatic retry backs off
(`next_retry_at`, `retry_delay`), while one kept with its JSON is retried by every run at no call."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from extensions import db
from models.activity import FailureCause, PendingOrder, PendingOrderSku
from models.base import utcnow
from models.catalog import sku_key
from services.orders.failed_orders import retry_outstanding

SKU_COLUMN = 255
MAX_DOUBLINGS = 32  # the cap holds long before; bounded, the delay never overflows a float


def retry_delay(attempts: int) -> timedelta:
    """How long an automatic retry that costs a billed call waits after the attempt that made `attempts`:
    FAILED_ORDER_RETRY_MINUTES after the first failure, doubled after each further one, up to the max."""
    config = current_app.config
    doublings = min(max(attempts - 1, 0), MAX_DOUBLINGS)
    minutes = config["FAILED_ORDER_RETRY_MINUTES"] * 2**doublings
    return timedelta(minutes=min(minutes, config["FAILED_ORDER_RETRY_MAX_MINUTES"]))


class PendingBook:
    """A channel's waiting orders during one run. The ids are loaded once (a small table); the rows only for
    the chunk being processed, two queries a chunk instead of two per failed order."""

    def __init__(self, channel_id: int, run_id: int) -> None:
        self.channel_id, self.run_id = channel_id, run_id
        self.ids: set[int] = set(
            db.session.scalars(select(PendingOrder.external_id).where(PendingOrder.channel_id == channel_id))
        )
        self.to_clear: set[int] = set()  # imported or dropped: deleted at the page's commit
        self._rows: dict[int, PendingOrder] = {}
        # When the chunk being processed read the mappings. A failure records it as its attempt's time, so a
        # retry asked for after a mapping was added (even while the chunk ran) is still owed.
        self._attempt_at: datetime | None = None

    def __contains__(self, oid: int) -> bool:
        return oid in self.ids

    def start_chunk(self, ids: Iterable[int]) -> None:
        self._attempt_at = utcnow()
        waiting = [oid for oid in ids if oid in self.ids]
        self._rows = {}
        if waiting:
            rows = db.session.scalars(
                select(PendingOrder)
                .where(PendingOrder.channel_id == self.channel_id, PendingOrder.external_id.in_(waiting))
                .options(selectinload(PendingOrder.missing_skus))
            )
            self._rows = {row.external_id: row for row in rows}

    def fail(
        self,
        oid: int,
        message: str,
        cause: FailureCause,
        *,
        skus: Iterable[str] = (),
        number: str = "",
        document: dict | None = None,
        document_updated_at: datetime | None = None,
    ) -> None:
        """Record a failed attempt: a new waiting order, or one more attempt of a waiting one, with the
        order's JSON when it was read and is worth reusing (`document`, with its update time)."""
        self.to_clear.discard(oid)
        attempt_at = self._attempt_at or utcnow()
        pending = self._row(oid)
        if pending is None:
            self.ids.add(oid)
            pending = PendingOrder(
                channel_id=self.channel_id,
                external_id=oid,
                number=number or str(oid),
                attempts=1,
                first_failed_at=attempt_at,
            )
            db.session.add(pending)
            self._rows[oid] = pending
        else:
            pending.attempts += 1
        pending.last_run_id = self.run_id
        pending.reason = message[:2000]
        pending.cause = cause
        pending.last_failed_at = attempt_at
        pending.document = document
        pending.document_updated_at = document_updated_at if document is not None else None
        # Kept with its JSON, a retry costs no call: every run may try it. Without, it waits its turn.
        pending.next_retry_at = None if document is not None else attempt_at + retry_delay(pending.attempts)
        self._set_skus(pending, skus)

    def stored_documents(self, ids: Iterable[int]) -> dict[int, tuple[dict, datetime | None]]:
        """{order id: (the JSON it last failed on, its update time)} of waiting orders that keep one."""
        wanted = [oid for oid in ids if oid in self.ids]
        if not wanted:
            return {}
        rows = db.session.execute(
            select(PendingOrder.external_id, PendingOrder.document, PendingOrder.document_updated_at).where(
                PendingOrder.channel_id == self.channel_id,
                PendingOrder.external_id.in_(wanted),
                PendingOrder.document.is_not(None),
            )
        )
        return {oid: (document, at) for oid, document, at in rows if document}

    def due_for_retry(self, now: datetime) -> set[int]:
        """The waiting orders an automatic retry may take now, in one query: those retried at no call, those
        whose pause is over, and those a person asked to retry (they ignore the pause)."""
        due = PendingOrder.next_retry_at.is_(None) | (PendingOrder.next_retry_at <= now) | retry_outstanding()
        found = db.session.scalars(
            select(PendingOrder.external_id).where(PendingOrder.channel_id == self.channel_id, due)
        )
        return set(found) & self.ids  # an order another run recorded meanwhile is the next run's

    def clear(self, oid: int) -> None:
        """Deleted with the page's commit, in one statement."""
        if oid in self.ids:
            self.to_clear.add(oid)

    def flush(self) -> None:
        if self.to_clear:
            db.session.execute(
                delete(PendingOrder).where(
                    PendingOrder.channel_id == self.channel_id, PendingOrder.external_id.in_(self.to_clear)
                )
            )
            self.ids -= self.to_clear
            self.to_clear.clear()

    def requested_retries(self) -> list[int]:
        """Orders whose retry was asked for after their last attempt (sync.runs explains the promise)."""
        ids = list(
            db.session.scalars(
                select(PendingOrder.external_id)
                .where(PendingOrder.channel_id == self.channel_id, retry_outstanding())
                .order_by(PendingOrder.external_id)
            )
        )
        self.ids |= set(ids)
        return ids

    def _row(self, oid: int) -> PendingOrder | None:
        if oid not in self.ids:
            return None
        return self._rows.get(oid) or db.session.scalar(
            select(PendingOrder).where(
                PendingOrder.channel_id == self.channel_id, PendingOrder.external_id == oid
            )
        )

    def _set_skus(self, pending: PendingOrder, skus: Iterable[str]) -> None:
        """The SKUs that stopped it, changing only what changed (a key is never deleted and re-inserted)."""
        wanted: dict[str, str] = {}
        for sku in skus:
            wanted.setdefault(sku_key(sku)[:SKU_COLUMN], sku.strip()[:SKU_COLUMN])
        for row in [row for row in pending.missing_skus if row.sku_key not in wanted]:
            pending.missing_skus.remove(row)
        have = {row.sku_key for row in pending.missing_skus}
        pending.missing_skus.extend(
            PendingOrderSku(channel_id=self.channel_id, sku=sku, sku_key=key)
            for key, sku in wanted.items()
            if key not in have
        )
