"""The History view in words: a changed setting by the label its form shows ("Import orders schedule", not
`import_orders_every`), an audited action as a sentence start ("SKU mapping added"), and a schedule value as
the schedule ("Every 30 minutes")."""

from __future__ import annotations

from wtforms.fields.core import UnboundField

from forms.channels import (
    SCHEDULE_LABELS,
    AdvancedSettingsForm,
    GeneralForm,
    MainSettingsForm,
    PrivacyForm,
)

ACRONYMS = {"sku": "SKU", "skus": "SKUs", "api": "API", "pii": "PII", "mfa": "MFA", "csv": "CSV"}
# Labels a form does not give, or gives for another purpose (Main settings' selects name the action only).
EXTRA_LABELS = {
    "import_orders_every": "Import orders schedule",
    "export_shipments_every": "Export shipments schedule",
    "export_inventory_every": "Export inventory schedule",
    "import_products_every": "Import products schedule",
    "api_logging_until": "Manual logging until",
    "schedule_start": "First scheduled import",
    "token_last4": "Access token",
    "access_token": "Access token",
    "monthly_allowance": "Monthly allowance (billed calls)",
    "warning_calls": "Warning threshold (billed calls)",
}
SCHEDULES = {str(minutes): label for minutes, label in SCHEDULE_LABELS if minutes is not None}


def _form_labels() -> dict[str, str]:
    labels = {}
    for form in (MainSettingsForm, AdvancedSettingsForm, GeneralForm, PrivacyForm):
        for name in dir(form):
            unbound = getattr(form, name, None)
            if isinstance(unbound, UnboundField):
                label = unbound.args[0] if unbound.args else unbound.kwargs.get("label")
                if isinstance(label, str):
                    labels[name] = label
    return labels | EXTRA_LABELS


FIELD_LABELS = _form_labels()


def _words(name: str) -> str:
    words = [ACRONYMS.get(word, word) for word in name.split("_")]
    first = words[0] if words[0] in ACRONYMS.values() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def audit_field(name: str | None) -> str:
    return FIELD_LABELS.get(name, _words(name)) if name else ""


def audit_action(action: str) -> str:
    """`sku_mapping_added` → "SKU mapping added"; `setting_changed` → "Setting changed"."""
    return _words(action)


def schedule_value(value: str | None, field: str | None) -> str | None:
    """A schedule's stored minutes as the schedule's words; any other value as it is."""
    if field and field.endswith("_every") and value in SCHEDULES:
        return SCHEDULES[value]
    if field and field.endswith("_every") and value in ("", "(empty)", None):
        return "None (never)"
    return value
