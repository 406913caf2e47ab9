"""The channel page's settings sections: which view shows each, and each section's form as the page first
shows it (filled from the channel, not from the request). Saving is done by services.channels.settings."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm

from forms.channels import (
    AdvancedSettingsForm,
    DeleteChannelForm,
    GeneralForm,
    MainSettingsForm,
    PrivacyForm,
    TokenForm,
)
from models.channels import SalesChannel
from services.channels import settings

# Which view shows each section, for a full-page answer after a save without htmx.
SECTION_VIEW = {
    "main": "main",
    "advanced": "advanced",
    "token": "advanced",
    "general": "main",
    "privacy": "main",
}
# The sections with a form in each view's panel, and those beside every view (shown on full pages only).
VIEW_SECTIONS = {"main": ("main",), "advanced": ("token", "advanced")}
SIDE_SECTIONS = ("general", "privacy", "delete")


def _form_data(channel: SalesChannel, section: str) -> dict[str, object]:
    data = {name: getattr(channel, name) for name in settings.SECTION_FIELDS[section]}
    if section == "advanced":
        data["update_order_with_last_shipment"] = "yes" if channel.update_order_with_last_shipment else "no"
    return {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}


def section_values(section: str, form: FlaskForm) -> dict[str, object]:
    """A validated section form's values, as services.channels.settings takes them."""
    values = {name: form[name].data for name in settings.SECTION_FIELDS[section]}
    if section == "advanced":  # a Yes / No choice on the page, a flag on the channel
        values["update_order_with_last_shipment"] = values["update_order_with_last_shipment"] == "yes"
    return values


# Each section's form as the page first shows it: filled from the channel, not from the request.
BLANK_FORMS: dict[str, Callable[[SalesChannel], FlaskForm]] = {
    "main": lambda channel: MainSettingsForm(formdata=None, data=_form_data(channel, "main")),
    "advanced": lambda channel: AdvancedSettingsForm(formdata=None, data=_form_data(channel, "advanced")),
    "privacy": lambda channel: PrivacyForm(formdata=None, data=_form_data(channel, "privacy")),
    "general": lambda channel: GeneralForm(
        formdata=None, channel_id=channel.id, data={"name": channel.name, "shop_domain": channel.shop_domain}
    ),
    "token": lambda channel: TokenForm(formdata=None),
    "delete": lambda channel: DeleteChannelForm(formdata=None, channel_name=channel.name),
}
