"""Bright Sites order statuses, defined once (connectors/brightsites/statuses.py)."""

from __future__ import annotations

from connectors.brightsites import statuses
from models.channels import ShipmentStoreStatus
from sandbox.store import ORDER_STATUSES as SIMULATOR_STATUSES


def test_labels_name_statuses_for_people():
    assert statuses.label("in_progress") == "In progress"
    assert statuses.label("back_ordered") == "Back ordered"
    assert statuses.label(statuses.MOAS_PENDING) == "MOAS pending"


def test_importable_statuses_are_every_status_but_the_never_fulfilled_ones_in_the_stores_order():
    assert {"canceled", "moas_pending"} == statuses.NEVER_FULFILLED
    assert statuses.importable_choices() == [
        ("new", "New"),
        ("billed", "Billed"),
        ("paid", "Paid"),
        ("in_progress", "In progress"),
        ("split", "Split"),
        ("shipped", "Shipped"),
        ("completed", "Completed"),
        ("back_ordered", "Back ordered"),
    ]


def test_the_simulator_knows_the_same_statuses():
    # The simulator imports nothing of the app, so it keeps its own copy of the contract: the two must agree.
    assert statuses.ORDER_STATUSES == SIMULATOR_STATUSES


def test_the_status_a_shipment_sets_on_the_store_is_a_bright_sites_status():
    chosen = {status.value for status in ShipmentStoreStatus} - {ShipmentStoreStatus.NONE.value}
    assert chosen and chosen <= set(statuses.ORDER_STATUSES)
