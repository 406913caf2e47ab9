"""What the channel page shows and how its sections save: forms filled from the channel, section values turned
into model values, audited changes, and the page or one section rendered back (htmx gets the section)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_fresh
from jinja2_fragments.flask import render_block
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db, login_manager
from forms.channels import (
    AdvancedSettingsForm,
    DeleteChannelForm,
    GeneralForm,
    MainSettingsForm,
    PrivacyForm,
    TokenForm,
)
from models.activity import SyncAction
from models.base import utcnow
from models.channels import (
    AuditEvent,
    ChannelStatus,
    DimensionUnit,
    InitialOrderStatus,
    InventoryMode,
    SalesChannel,
    ShipmentStoreStatus,
    WeightUnit,
)
from models.tenancy import User
from permissions import Permission, can
from services import audit
from services.channels import store_connection, token_vault
from sync.runs import last_runs
from web.htmx import is_htmx, render

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
# Model columns each section edits, with how a form value becomes a model value.
SECTION_FIELDS = {
    "main": {
        "status": ChannelStatus,
        "import_orders_every": None,
        "export_shipments_every": None,
        "export_inventory_every": None,
    },
    "advanced": {
        "order_statuses": list,
        "import_lag_minutes": None,
        "import_since": None,
        "order_number_prefix": str.strip,
        "initial_order_status": InitialOrderStatus,
        "detail_concurrency": None,
        "shipment_store_status": ShipmentStoreStatus,
        "send_shipping_confirmation": bool,
        "update_order_with_last_shipment": lambda v: v == "yes",
        "inventory_mode": InventoryMode,
        "inventory_buffer": None,
        "inventory_max": None,
        "timezone": None,
        "weight_unit": WeightUnit,
        "dimension_unit": DimensionUnit,
    },
    "privacy": {"pii_retention_days": None},
}


def _values(section: str, form) -> dict[str, object]:
    return {
        name: (convert(form[name].data) if convert else form[name].data)
        for name, convert in SECTION_FIELDS[section].items()
    }


def _form_data(channel: SalesChannel, section: str) -> dict[str, object]:
    data = {name: getattr(channel, name) for name in SECTION_FIELDS[section]}
    if section == "advanced":
        data["update_order_with_last_shipment"] = "yes" if channel.update_order_with_last_shipment else "no"
    return {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}


def page_context(channel: SalesChannel, view: str, **overrides) -> dict:
    forms = {
        "main_form": MainSettingsForm(formdata=None, data=_form_data(channel, "main")),
        "advanced_form": AdvancedSettingsForm(formdata=None, data=_form_data(channel, "advanced")),
        "privacy_form": PrivacyForm(formdata=None, data=_form_data(channel, "privacy")),
        "general_form": GeneralForm(
            formdata=None,
            channel_id=channel.id,
            data={"name": channel.name, "shop_domain": channel.shop_domain},
        ),
        "token_form": TokenForm(formdata=None),
        "delete_form": DeleteChannelForm(formdata=None, channel_name=channel.name),
    }
    context = {
        "channel": channel,
        "view": view,
        "tabs": TABS,
        "tab_url": tab_url,
        "messages": {},
        **forms,
        **overrides,
    }
    if view == "history":
        context["events"] = db.session.scalars(
            select(AuditEvent)
            # The channel's own changes; views of order details are audited too, but are not settings.
            .where(AuditEvent.channel_id == channel.id, AuditEvent.action != "order_viewed")
            .order_by(AuditEvent.id.desc())
            .limit(200)
        ).all()
        context["users"] = {
            u.id: u
            for u in db.session.scalars(
                select(User).where(User.id.in_({e.user_id for e in context["events"] if e.user_id}))
            )
        }
    return context


def render_page(channel: SalesChannel, view: str, status: int = 200, **overrides):
    return render(PAGE, "view_panel", **page_context(channel, view, **overrides)), status


def render_list(channels: list[SalesChannel]):
    return render(
        "channels/index.html",
        "channel_table",
        channels=channels,
        last_runs=last_runs([c.id for c in channels]),
        import_action=SyncAction.IMPORT_ORDERS,
        export_action=SyncAction.EXPORT_INVENTORY,
    )


def _answer(channel: SalesChannel, section: str, form, *, message: str | None = None, status: int = 200):
    """htmx: the section alone, with its message or errors. Otherwise PRG on success, the page on errors."""
    if is_htmx():
        context = page_context(channel, SECTION_VIEW[section], **{f"{section}_form": form})
        context["messages"] = {section: message}
        return render_block(PAGE, f"{section}_section", **context), status
    if status == 200:
        flash(message, "success")
        return redirect(url_for("channels.view", channel_id=channel.id, view=SECTION_VIEW[section]), code=303)
    return render_page(channel, SECTION_VIEW[section], status=status, **{f"{section}_form": form})


def _saved_message(changed: list[str]) -> str:
    if not changed:
        return "Nothing to save: no setting changed."
    return f"Saved {len(changed)} change{'s' if len(changed) != 1 else ''}."


def save_section(channel: SalesChannel, section: str, form):
    if not form.validate_on_submit():
        return _answer(channel, section, form, status=422)
    changed = audit.apply_changes(channel, current_user, _values(section, form))
    db.session.commit()
    return _answer(channel, section, form, message=_saved_message(changed))


def save_general(channel: SalesChannel, form: GeneralForm):
    if not form.validate_on_submit():
        return _answer(channel, "general", form, status=422)
    new_domain = form.shop_domain.data
    if new_domain != channel.shop_domain:
        if not can(Permission.EDIT_CHANNEL_CREDENTIALS):
            form.shop_domain.errors.append(
                "Only organization owners, organization admins and account admins may change the Shop Domain."
            )
            return _answer(channel, "general", form, status=422)
        if not login_fresh():
            return login_manager.needs_refresh()
        report = store_connection.check(new_domain, token_vault.decrypt(channel.token_ciphertext))
        if not (report.reachable and report.authenticated):
            form.shop_domain.errors.append(
                f"{new_domain} did not accept this channel's token: {report.message}"
            )
            return _answer(channel, "general", form, status=422)
        channel.token_can_write = report.can_write
    changed = audit.apply_changes(
        channel, current_user, {"name": form.name.data.strip(), "shop_domain": new_domain}
    )
    try:
        db.session.commit()
    except IntegrityError:  # another request took the domain between validation and commit
        db.session.rollback()
        form.shop_domain.errors.append(f"{new_domain} is already used by another sales channel.")
        return _answer(channel, "general", form, status=422)
    return _answer(channel, "general", form, message=_saved_message(changed))


def replace_token(channel: SalesChannel, form: TokenForm):
    if not form.validate_on_submit():
        return _answer(channel, "token", form, status=422)
    token = form.access_token.data.strip()
    report = store_connection.check(channel.shop_domain, token)
    if not (report.reachable and report.authenticated):
        form.access_token.errors.append(report.message)
        return _answer(channel, "token", form, status=422)
    store_token(channel, token, report.can_write)
    audit.record(channel, current_user, "token_replaced", "access_token", True, True)
    db.session.commit()
    message = f"Access token replaced ({channel.masked_token})."
    if report.can_write is False:
        message += " " + report.message
    return _answer(channel, "token", TokenForm(formdata=None), message=message)


def store_token(channel: SalesChannel, token: str, can_write: bool | None) -> None:
    channel.token_ciphertext = token_vault.encrypt(token)
    channel.token_last4 = token[-4:]
    channel.token_can_write = can_write
    channel.token_updated_at = utcnow()
    channel.token_refused_at = None


def delete_channel(channel: SalesChannel, user: User) -> None:
    channel.deleted_at = utcnow()
    channel.status = ChannelStatus.INACTIVE
    channel.token_ciphertext = ""
    channel.token_last4 = ""
    channel.import_orders_every = channel.export_shipments_every = channel.export_inventory_every = None
    audit.record(channel, user, "channel_deleted")
