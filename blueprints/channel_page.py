"""How the channel page renders: its view tabs, the section forms filled from the channel (only those the
answer shows), and a section's answer after a save (htmx gets the section alone). Saving is done by
services.channels.settings."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from blueprints import channel_status, order_push_section
from extensions import db
from forms.channels import (
    AdvancedSettingsForm,
    DeleteChannelForm,
    GeneralForm,
    MainSettingsForm,
    PrivacyForm,
    TokenForm,
)
from models.activity import SyncAction
from models.channels import AuditEvent, SalesChannel
from models.tenancy import User
from services.channels import settings
from sync.runs import last_runs
from web.htmx import is_htmx, render, render_fragment

PAGE = "channels/page.html"
# The channel page's view tabs, in order: key, label, endpoint (called with channel_id, plus view=key for the
# settings views this module renders itself). Other blueprints render their view through render_page with a
# `view_template` to include in the view panel.
TABS = [
    ("main", "Main settings", "channels.view"),
    ("advanced", "Advanced settings", "channels.view"),
    ("warehouse_mappings", "Warehouse Mappings", "mappings.warehouses"),
    ("carrier_mappings", "Carrier Mappings", "mappings.carriers"),
    ("sku_mappings", "SKU Mappings", "mappings.skus"),
    ("sync", "Sync Actions", "sync.actions"),
    ("history", "History", "channels.view"),
]
SETTINGS_VIEWS = frozenset({"main", "advanced", "history"})


def tab_url(channel: SalesChannel, key: str, endpoint: str) -> str:
    if key in SETTINGS_VIEWS:
        return url_for(endpoint, channel_id=channel.id, view=key)
    return url_for(endpoint, channel_id=channel.id)


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


def _history(channel: SalesChannel) -> dict:
    events = db.session.scalars(
        select(AuditEvent)
        # The channel's own changes; views of order details are audited too, but are not settings.
        .where(AuditEvent.channel_id == channel.id, AuditEvent.action != "order_viewed")
        .order_by(AuditEvent.id.desc())
        .limit(200)
    ).all()
    user_ids = {e.user_id for e in events if e.user_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    return {"events": events, "users": users}


def page_context(channel: SalesChannel, view: str, sections: tuple[str, ...], **overrides) -> dict:
    """What the page (or its view panel) needs: the forms of `sections`, a form given in `overrides` (e.g. one
    with errors) taking the place of the blank one."""
    context = {
        "channel": channel,
        "view": view,
        "tabs": TABS,
        "tab_url": tab_url,
        "messages": {},
        "warnings": {},
    }
    for section in sections:
        key = f"{section}_form"
        context[key] = overrides.pop(key) if key in overrides else BLANK_FORMS[section](channel)
    if view == "history":
        context |= _history(channel)
    if view == "advanced":
        context |= order_push_section.context(channel)
    return context | overrides


def render_page(channel: SalesChannel, view: str, status: int = 200, **overrides):
    """The page showing `view`; htmx (a tab switch, a view's own form) gets the view panel alone."""
    sections = VIEW_SECTIONS.get(view, ())
    if not is_htmx():
        sections += SIDE_SECTIONS
        overrides = channel_status.side_context(channel) | overrides
    return render(PAGE, "view_panel", **page_context(channel, view, sections, **overrides)), status


# The channel list's last-activity columns: action, heading, test id.
ACTIVITY_COLUMNS = (
    (SyncAction.IMPORT_ORDERS, "Last order import", "last-import"),
    (SyncAction.EXPORT_SHIPMENTS, "Last shipment export", "last-export"),
    (SyncAction.EXPORT_INVENTORY, "Last inventory export", "last-inventory-export"),
)


def render_list(channels: list[SalesChannel]):
    latest = last_runs([c.id for c in channels])
    return render(
        "channels/index.html",
        "channel_table",
        channels=channels,
        last_runs=latest,
        activity_columns=ACTIVITY_COLUMNS,
        **channel_status.list_context(channels, latest),
    )


def section_answer(
    channel: SalesChannel,
    section: str,
    form: FlaskForm,
    *,
    message: str | None = None,
    warning: str | None = None,
    status: int = 200,
):
    """htmx: the section alone (only its own form), with its message, warning or errors; after a save also the
    header out of band, as a save may change what it shows. Otherwise PRG on success, the page on errors."""
    if is_htmx():
        context = {
            "channel": channel,
            "messages": {section: message},
            "warnings": {section: warning},
            f"{section}_form": form,
            "refresh_header": status == 200,
        }
        return render_fragment(PAGE, f"{section}_section", **context), status
    if status == 200:
        flash(message, "success")
        if warning:
            flash(warning, "warning")
        return redirect(url_for("channels.view", channel_id=channel.id, view=SECTION_VIEW[section]), code=303)
    return render_page(channel, SECTION_VIEW[section], status=status, **{f"{section}_form": form})
