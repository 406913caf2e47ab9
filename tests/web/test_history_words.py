"""The History view speaks the page's words: settings by their labels, actions as sentences, schedules as
schedules; the API cost table labels Import products."""

from __future__ import annotations

from models.tenancy import Role
from services.api_cost import usage
from tests.support.world import ROLE_EMAILS
from web.audit_labels import audit_action, audit_field, schedule_value


def test_labels_of_fields_actions_and_schedules():
    assert audit_field("import_orders_every") == "Import orders schedule"
    assert audit_field("inventory_buffer") == "Safety buffer"
    assert audit_field("pii_retention_days") == "PII retention threshold (days)"
    assert audit_action("sku_mapping_added") == "SKU mapping added"
    assert audit_action("setting_changed") == "Setting changed"
    assert schedule_value("30", "import_orders_every") == "Every 30 minutes"
    assert schedule_value("(empty)", "import_orders_every") == "None (never)"
    assert schedule_value("30", "inventory_buffer") == "30"
    assert usage.LABELS["import_products"] == "Import products"


def test_the_history_view_shows_labels(client, login, world):
    channel = world.a.channel
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    main = {
        "status": "active",
        "import_orders_every": "15",
        "export_shipments_every": "30",
        "export_inventory_every": "1440",
    }
    assert client.post(f"/channels/{channel.id}/main", data=main).status_code == 303
    page = client.get(f"/channels/{channel.id}/history").text
    assert "Setting changed: Import orders schedule" in page
    assert "Every 15 minutes" in page
    assert "import_orders_every" not in page
