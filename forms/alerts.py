"""Alert settings of an account: e-mail recipients and an optional webhook."""

from __future__ import annotations

from email.utils import parseaddr

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from connectors.webhooks import WebhookRefused, normalise_webhook_url
from forms.validators import no_control_characters

MAX_RECIPIENTS = 20


def recipient_list(text: str | None) -> list[str]:
    """The addresses, one per line or separated by commas, lower-cased, without repeats."""
    seen: list[str] = []
    for part in (text or "").replace(",", "\n").splitlines():
        address = part.strip().lower()
        if address and address not in seen:
            seen.append(address)
    return seen


class AlertSettingsForm(FlaskForm):
    recipients = TextAreaField(
        "E-mail recipients",
        validators=[Length(max=4000)],
        description="One address per line. They get one message when a channel becomes unhealthy and one "
        "when it recovers.",
    )
    webhook_url = StringField(
        "Webhook URL (optional)",
        validators=[Length(max=500), no_control_characters],
        description="https only, a public host: techOMS POSTs the same alert as JSON.",
    )

    def validate_recipients(self, field) -> None:
        addresses = recipient_list(field.data)
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(f"At most {MAX_RECIPIENTS} recipients.")
        for address in addresses:
            name, parsed = parseaddr(address)
            local, _, domain = parsed.rpartition("@")
            if (
                name
                or parsed != address
                or not local
                or "." not in domain
                or any(c in address for c in "<>\"'")
            ):
                raise ValidationError(f"{address} is not an e-mail address.")
        field.data = "\n".join(addresses)

    def validate_webhook_url(self, field) -> None:
        if not (field.data or "").strip():
            field.data = ""
            return
        try:
            field.data = normalise_webhook_url(field.data)
        except WebhookRefused as error:
            raise ValidationError(str(error)) from None
