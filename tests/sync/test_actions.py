"""The action registry: every SyncAction has one entry, and what reads it agrees with it."""

from __future__ import annotations

from models.activity import SyncAction
from models.channels import SalesChannel
from sync import actions


def test_every_action_has_one_entry_and_a_label():
    assert set(actions.REGISTRY) == set(SyncAction)
    for key, action in actions.REGISTRY.items():
        assert action.key == key and action.label and action.label != key.value


def test_only_store_actions_are_retried_and_scheduled_by_interval():
    store_actions = {key for key, action in actions.REGISTRY.items() if action.calls_store}
    assert store_actions == {
        SyncAction.IMPORT_ORDERS,
        SyncAction.EXPORT_SHIPMENTS,
        SyncAction.EXPORT_INVENTORY,
        SyncAction.IMPORT_PRODUCTS,
    }
    assert {key for key, action in actions.REGISTRY.items() if action.retries} == store_actions
    assert set(actions.SCHEDULED_ACTIONS) == store_actions
    for key in actions.SCHEDULED_ACTIONS:
        assert actions.of(key).interval.class_ is SalesChannel
