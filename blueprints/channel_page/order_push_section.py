"""What the channel page's Order push section (Advanced settings) shows: on or off, the intake URL (whole
only in the answer that made its secret; masked after), what to enter in the Bright Sites admin, and how
orders arrived."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from forms.common import EmptyForm
from forms.order_push import OrderPushForm
from models.channels import SalesChannel
from models.order_push import OrderPushSetting
from services.order_push import overview, settings


def intake_url(public_id: str, secret: str) -> str:
    return url_for("intake.brightsites_order", public_id=public_id, secret=secret, _external=True)


@dataclass(frozen=True)
class OrderPushSection:
    setting: OrderPushSetting | None
    url: str | None  # whole, with the secret: only in the answer that made the secret
    masked_url: str | None
    form: OrderPushForm
    action_form: EmptyForm
    message: str | None
    overview: overview.Overview

    def template_context(self) -> dict[str, object]:
        return {
            "push": self.setting,
            "push_url": self.url,
            "push_masked_url": self.masked_url,
            "push_form": self.form,
            "push_action_form": self.action_form,
            "push_message": self.message,
            "push_overview": self.overview,
        }


def section(
    channel: SalesChannel,
    *,
    secret: str | None = None,
    form: OrderPushForm | None = None,
    message: str | None = None,
) -> OrderPushSection:
    setting = settings.setting_of(channel)
    return OrderPushSection(
        setting=setting,
        url=intake_url(setting.public_id, secret) if setting and secret else None,
        masked_url=intake_url(setting.public_id, "SECRET").replace("SECRET", "••••••••") if setting else None,
        form=form
        or OrderPushForm(formdata=None, data={"api_version": setting.api_version if setting else None}),
        action_form=EmptyForm(formdata=None),
        message=message,
        overview=overview.of_channel(channel),
    )
