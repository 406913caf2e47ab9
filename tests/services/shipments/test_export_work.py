"""The shipment export's work list (services/shipments/export_state.py): the orders with a shipment not yet
confirmed by the store, or whose store update is due and not in error, held orders left out; and the
schedule's look at many channels at once (`channels_with_work`), which reads them through indexes
(docs/scale-explain.md, "Jobs")."""

from __future__ import annotations

from extensions import db
from models.base import utcnow
from models.channels import SalesChannel
from services.shipments import export_state, recording
from tests.support.orders import make_order
from tests.support.shipments import order_to_ship, shipment_input


def new_channel(world, name: str) -> SalesChannel:
    channel = SalesChannel(
        account=world.a.account,
        name=name,
        shop_domain=f"{name}.mybrightsites.com",
        token_ciphertext=world.a.channel.token_ciphertext,
        token_last4="abcd",
    )
    db.session.add(channel)
    db.session.commit()
    return channel


def shipped_order(channel: SalesChannel):
    order = order_to_ship(channel, 3)
    recording.create_shipment(order, shipment_input(order, [3]))
    db.session.commit()
    return order


def test_work_is_a_waiting_shipment_or_a_due_store_update_of_an_order_not_held(world):
    shipping, updating, held, refused, idle = (
        new_channel(world, name) for name in ("shipping", "updating", "held", "refused", "idle")
    )
    waiting = shipped_order(shipping)
    due = make_order(updating, store_update_due=True)
    shipped_order(held).held_at = utcnow()
    make_order(held, store_update_due=True, held_at=utcnow())
    make_order(refused, store_update_due=True, store_update_error="The store refused the update (422).")
    make_order(idle)
    db.session.commit()
    channels = [shipping, updating, held, refused, idle]

    assert export_state.channels_with_work(c.id for c in channels) == {shipping.id, updating.id}
    assert [export_state.has_work(c) for c in channels] == [True, True, False, False, False]
    assert export_state.work_order_ids(shipping) == [waiting.id]
    assert export_state.work_order_ids(updating) == [due.id]
    assert export_state.channels_with_work([]) == set()


def test_an_order_with_both_a_waiting_shipment_and_a_due_update_is_listed_once(world):
    channel = new_channel(world, "both")
    order = shipped_order(channel)
    order.store_update_due = True
    db.session.commit()

    assert export_state.work_order_ids(channel) == [order.id]
    assert export_state.channels_with_work([channel.id]) == {channel.id}
