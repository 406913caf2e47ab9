"""The Webhooks screen: a new endpoint (URL held to the alert webhooks' host rules, event types chosen)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired

from connectors.webhooks import WebhookRefused, normalise_webhook_url
from forms.channels import MultiCheckboxField
from forms.products import strip
from models.outbox import EVENT_TYPES


def _https_public_url(_form, field) -> None:
    try:
        field.data = normalise_webhook_url(field.data or "")
    except WebhookRefused as error:
        raise ValidationError(str(error)) from None


class WebhookEndpointForm(FlaskForm):
    url = StringField(
        "Endpoint URL",
        filters=[strip],
        validators=[DataRequired(message="Give the https URL that receives the events."), _https_public_url],
        description="https only, a public host name; redirects are not followed.",
    )
    event_types = MultiCheckboxField(
        "Events",
        choices=[(event_type, event_type) for event_type in EVENT_TYPES],
        default=["order.created", "order.cancelled", "shipment.sent"],
        validators=[DataRequired(message="Choose at least one event type.")],
    )
