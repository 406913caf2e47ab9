"""Orders made directly in the database, with lines, addresses and events, for the Orders screen's tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncEvent, SyncRun, SyncTrigger
from models.channels import SalesChannel
from models.orders import OrderAddress, OrderStatus, SalesOrder, SalesOrderLine

T0 = datetime(2024, 3, 10, 15, 0, tzinfo=UTC)
_external_ids = itertools.count(900_001)

SHIPPING = {
    "kind": "shipping",
    "first_name": "Jane",
    "last_name": "Doe",
    "line1": "1 Main St",
    "city": "Austin",
    "subdivision": "Texas",
    "subdivision_code": "TX",
    "postal_code": "78701",
    "country": "United States",
    "country_code": "US",
    "email": "ship.to@example.com",
    "phone": "+1 512 555 0199",
}


def make_order(
    channel: SalesChannel,
    number: str = "",
    *,
    status: OrderStatus = OrderStatus.APPROVED,
    created: datetime = T0,
    lines: list[dict] | None = None,
    addresses: list[dict] | None = None,
    **fields,
) -> SalesOrder:
    """An imported order with its lines (default: one physical line) and addresses, committed."""
    db.session.add(channel)
    db.session.flush()  # a channel made for the test has its account id from here on
    external_id = next(_external_ids)
    order = SalesOrder(
        account_id=channel.account_id,
        channel=channel,
        external_id=external_id,
        number=number or f"BS-{external_id}",
        status=status,
        store_status="paid",
        store_created_at=created,
        store_updated_at=created,
        item_total=Decimal("1200.00"),
        shipping_total=Decimal("25.50"),
        tax_total=Decimal("9.00"),
        grand_total=Decimal("1234.50"),
        customer_name="Jane Doe",
        customer_email="jane.doe@example.com",
        customer_phone="+1 555 123 4567",
    )
    for name, value in fields.items():
        setattr(order, name, value)
    for n, line in enumerate(lines if lines is not None else [{}], start=1):
        values = {
            "external_line_id": external_id * 10 + n,
            "sku": "tee-m-navy",
            "name": "Tee",
            "quantity": 2,
            "unit_price": Decimal("600.00"),
            "total_price": Decimal("1200.00"),
        }
        order.lines.append(SalesOrderLine(**(values | line)))
    for address in addresses or []:
        order.addresses.append(OrderAddress(**address))
    db.session.add(order)
    db.session.commit()
    return order


def add_event(order: SalesOrder, message: str, level=EventLevel.INFO, when=T0, *, linked=True) -> SyncEvent:
    """An event of an import run about `order` (linked by id, or only naming its store order id)."""
    run = SyncRun(
        account_id=order.account_id,
        channel_id=order.channel_id,
        action=SyncAction.IMPORT_ORDERS,
        trigger=SyncTrigger.MANUAL,
        status=RunStatus.SUCCEEDED,
    )
    db.session.add(run)
    db.session.flush()
    sync_event = SyncEvent(
        run_id=run.id,
        channel_id=order.channel_id,
        level=level,
        message=message,
        order_id=order.id if linked else None,
        external_order_id=order.external_id,
        created_at=when,
    )
    db.session.add(sync_event)
    db.session.commit()
    return sync_event
