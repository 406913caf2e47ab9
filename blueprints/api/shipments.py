"""POST /api/v1/orders/<order_id>/shipments: a host system reports a package that left the warehouse.

The order must belong to the key's account (404 otherwise). The body is checked field by field (422 with
messages per field); the shipment is taken in with the over-shipment guard of services/shipments/recording.py,
and waits for the Export shipments action to reach the store. With an `Idempotency-Key` header a repeated
POST returns the first answer (blueprints/api/idempotency.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response, jsonify, request
from sqlalchemy.exc import IntegrityError

from blueprints.api import idempotency
from blueprints.api.auth import api_key_required, current_key
from connectors import bounded_json
from extensions import db
from forms.api_shipments import parse_shipment
from models.orders import SalesOrder
from models.shipments import Shipment
from models.tenancy import Account
from run_queue.store_writes import enqueue_store_write
from services.orders import queries as order_queries
from services.orders import store_writes
from services.shipments import recording
from web.api_requests import api_error, json_error


def shipment_json(shipment: Shipment, order: SalesOrder) -> dict[str, Any]:
    service = shipment.carrier_service
    return {
        "id": shipment.id,
        "order_id": order.id,
        "order_number": order.number,
        "order_status": order.status.value,
        "tracking_number": shipment.tracking_number,
        "ship_date": shipment.ship_date.isoformat(),
        "carrier": service.carrier.code if service else None,
        "service": service.code if service else None,
        "warehouse": shipment.warehouse.code if shipment.warehouse else None,
        "note": shipment.note,
        "lines": [{"line_id": line.order_line_id, "quantity": line.quantity} for line in shipment.lines],
        "store": {
            "status": shipment.export_status.value,
            "shipment_id": shipment.store_shipment_id,
            "sent_at": shipment.sent_at.isoformat() if shipment.sent_at else None,
        },
    }


def _json_body() -> tuple[Any, Response | None]:
    if not request.is_json:
        return None, api_error(415)
    try:
        return bounded_json.loads(request.get_data(cache=False) or b"null"), None
    except ValueError:  # also a body nested absurdly deep (bounded_json.TooDeep)
        return None, json_error(400, {"request": ["The body is not valid JSON."]})


def _today(account: Account) -> date:
    """Today where the account works: ship dates are plausible from there."""
    try:
        zone = ZoneInfo(account.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


@api_key_required
def create(order_id: int):
    key = current_key()
    order = order_queries.order_of_account(key.account_id, order_id)
    if order is None:
        return json_error(404, {"order": [f"No order {order_id} in this API key's account."]})
    payload, problem = _json_body()
    if problem is not None:
        return problem
    idempotency_key, key_problem = idempotency.requested_key()
    if key_problem:
        return json_error(422, {"idempotency_key": [key_problem]})
    fingerprint = idempotency.request_hash(payload)
    if idempotency_key:
        replayed = idempotency.replay(key.account_id, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed

    data, errors = parse_shipment(payload, key.account, _today(key.account))
    if errors:
        return json_error(422, errors)
    try:
        shipment = recording.create_shipment(order, data, api_key=key)
        acknowledgement = store_writes.acknowledge_when_fulfilment_starts(order, None)
        db.session.flush()
        body = shipment_json(shipment, order)
        if idempotency_key:
            idempotency.remember(key.account_id, idempotency_key, fingerprint, 201, body)
        db.session.commit()
    except (recording.ShipmentRefused, IntegrityError) as failure:
        db.session.rollback()
        if idempotency_key:  # a concurrent request with this key may have won: its answer is the answer
            replayed = idempotency.replay(key.account_id, idempotency_key, fingerprint)
            if replayed is not None:
                return replayed
        if isinstance(failure, recording.ShipmentRefused):
            return json_error(409 if failure.conflict else 422, failure.errors)
        return json_error(409, {"request": ["A concurrent change got in the way; send the request again."]})
    if acknowledgement is not None:
        enqueue_store_write(acknowledgement.id)
    return jsonify(body), 201
