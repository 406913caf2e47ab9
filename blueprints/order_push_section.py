"""What the channel page's Order push section (Advanced settings) shows: on or off, the intake URL (whole
only in the answer that made its secret; masked after), what to enter in the Bright Sites admin, and how
orders arrived."""

from __future__ import annotations

from flask import url_for

from forms.common import EmptyForm
from forms.order_push import OrderPushForm
from models.channels import SalesChannel
from services.order_push import overview, settings


def intake_url(public_id: str, secret: str) -> str:
    return url_for("intake.brightsites_order", public_id=public_id, secret=secret, _external=True)


def context(
    channel: SalesChannel,
    *,
    secret: str | None = None,
    form: OrderPushForm | None = None,
    message: str | None = None,
) -> dict:
    setting = settings.setting_of(channel)
    return {
        "push": setting,
        "push_url": intake_url(setting.public_id, secret) if setting and secret else None,
        "push_masked_url": intake_url(setting.public_id, "SECRET").replace("SECRET", "••••••••")
        if setting
        else None,
        "push_form": form
        or OrderPushForm(formdata=None, data={"api_version": setting.api_version if setting else None}),
        "push_action_form": EmptyForm(formdata=None),
        "push_message": message,
        "push_overview": overview.of_channel(channel),
    }
