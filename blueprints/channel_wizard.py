"""Creating a channel in three steps: type → connection (tested against the store) → first options, which
include when the first order import runs (now, on schedule, or later: the schedule stays off until the user
turns it on or imports by hand).

What the user typed lives in a Redis draft between steps (channel_drafts), so nothing is lost on an error and
the token never travels back to the browser."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user, fresh_login_required
from sqlalchemy.exc import IntegrityError

from extensions import db, limiter
from forms.channels import ChannelTypeForm, ConnectionForm, FirstOptionsForm
from jobs.enqueue import enqueue_run
from models.activity import SyncAction, SyncTrigger
from models.channels import ChannelType, InventoryMode, SalesChannel, ScheduleStart
from permissions import Permission, current_account, require
from services import audit
from services.channels import store_connection, token_vault, wizard_drafts
from sync import runs
from web.htmx import redirect_to, render

bp = Blueprint("channel_wizard", __name__, url_prefix="/channels/new")
TEMPLATE = "channels/new.html"
# The wizard's "First order import" choice → when scheduled imports start.
SCHEDULE_STARTS = {
    "now": ScheduleStart.AT_ONCE,  # a run is started with the channel; the schedule counts from it
    "schedule": ScheduleStart.AFTER_INTERVAL,
    "later": ScheduleStart.AFTER_FIRST_IMPORT,
}


def _draft_or_restart() -> wizard_drafts.ChannelDraft:
    draft = wizard_drafts.load(current_user.id, current_account().id, request.form.get("draft_id"))
    if draft is None:
        abort(410)  # expired or not this user's: the error page explains, the wizard starts again
    return draft


def _step(step: str, draft, status: int = 200, **forms):
    return render(TEMPLATE, "wizard", step=step, draft=draft, **forms), status


@bp.get("/")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
def start():
    draft = wizard_drafts.new(current_user.id, current_account().id)
    wizard_drafts.save(draft)
    return _step("type", draft, type_form=ChannelTypeForm())[0]


@bp.post("/type")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
def choose_type():
    draft = _draft_or_restart()
    form = ChannelTypeForm()
    if not form.validate_on_submit():
        return _step("type", draft, 422, type_form=form)
    draft.channel_type = form.channel_type.data
    wizard_drafts.save(draft)
    return _step("connection", draft, connection_form=ConnectionForm(formdata=None, data=vars(draft)))


def _validated_connection(draft) -> tuple[ConnectionForm, object | None]:
    """Validate step 2 and ask the store; keeps a valid token in the draft even when other fields fail."""
    form = ConnectionForm(token_kept=draft.has_token)
    valid = form.validate_on_submit()
    if form.access_token.data and not form.access_token.errors:
        draft.keep_token(form.access_token.data)
    draft.name, draft.shop_domain = (form.name.data or "").strip(), form.shop_domain.data or ""
    wizard_drafts.save(draft)
    if not valid:
        return form, None
    report = store_connection.check(form.shop_domain.data, draft.token())
    if not report.reachable:
        form.shop_domain.errors.append(report.message)
    elif not report.authenticated:
        form.access_token.errors.append(report.message)
    draft.connection_ok = report.reachable and report.authenticated
    draft.token_can_write = report.can_write
    wizard_drafts.save(draft)
    return form, report


@bp.post("/test-connection")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
@limiter.limit("10/minute", key_func=lambda: f"test-connection:{current_user.id}")
def test_connection():
    """The Test connection button: only the result line is swapped in."""
    draft = _draft_or_restart()
    form, report = _validated_connection(draft)
    return render_template("channels/_connection_result.html", form=form, report=report, draft=draft)


@bp.post("/connection")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
def connection():
    draft = _draft_or_restart()
    form, report = _validated_connection(draft)
    if report is None or not draft.connection_ok:
        return _step("connection", draft, 422, connection_form=form, report=report)
    return _step("options", draft, report=report, options_form=FirstOptionsForm(formdata=None))


@bp.post("/options")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
def options():
    """Last step: create the channel from the draft."""
    draft = _draft_or_restart()
    if not draft.connection_ok:
        return _step(
            "connection", draft, 422, connection_form=ConnectionForm(formdata=None, data=vars(draft))
        )
    form = FirstOptionsForm()
    if not form.validate_on_submit():
        return _step("options", draft, 422, options_form=form)
    channel = SalesChannel(
        account_id=draft.account_id,
        channel_type=ChannelType(draft.channel_type),
        name=draft.name,
        shop_domain=draft.shop_domain,
        order_statuses=list(form.order_statuses.data),
        import_since=form.import_since.data,
        inventory_mode=InventoryMode(form.inventory_mode.data),
        timezone=current_account().timezone,
        schedule_start=SCHEDULE_STARTS[form.first_import.data],
    )
    token_vault.store(channel, draft.token(), draft.token_can_write)
    db.session.add(channel)
    try:
        db.session.flush()
    except IntegrityError:  # someone else connected the same store a moment ago
        db.session.rollback()
        form = ConnectionForm(formdata=None, data=vars(draft))
        form.shop_domain.errors.append(f"{draft.shop_domain} is already used by another sales channel.")
        draft.connection_ok = False
        wizard_drafts.save(draft)
        return _step("connection", draft, 422, connection_form=form)
    if form.first_import.data == "later":
        # Off until turned on, or the first import by hand turns it on. After the insert: None given to the
        # constructor would mean the column's default.
        channel.import_orders_every = None
    audit.record(channel, current_user, "channel_created", "first import", None, form.first_import.data)
    db.session.commit()
    wizard_drafts.discard(draft)
    current_app.logger.info("channel created", extra={"channel_id": channel.id})
    if form.first_import.data == "now":
        run, created = runs.request_run(
            channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL, user=current_user
        )
        if created:
            enqueue_run(run)
        flash(f"Channel {channel.name} created; its first order import started.", "success")
        return redirect_to(url_for("sync.actions", channel_id=channel.id))
    return redirect_to(url_for("channels.view", channel_id=channel.id, view="main"))
