"""Creating a channel in three steps: type → connection (tested against the store) → first options, which
include when the first order import runs (now, on schedule, or later: the schedule stays off until the user
turns it on or imports by hand).

What the user typed lives in a Redis draft between steps (channel_drafts), so nothing is lost on an error and
the token never travels back to the browser."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user, fresh_login_required

from extensions import db
from forms.channels import ChannelTypeForm, ConnectionForm, FirstOptionsForm, recheck_connection
from models.activity import SyncAction, SyncTrigger
from models.channels import ChannelType, InventoryMode
from permissions import Permission, current_account, require
from services.channels import creation, store_connection, wizard_drafts
from sync.start import start_run
from web.htmx import redirect_to, render
from web.store_call_limits import limit_store_calls

bp = Blueprint("channel_wizard", __name__, url_prefix="/channels/new")
TEMPLATE = "channels/new.html"


def _draft_or_restart() -> wizard_drafts.ChannelDraft:
    draft = wizard_drafts.load(current_user.id, current_account().id, request.form.get("draft_id"))
    if draft is None:
        abort(410)  # expired or not this user's: the error page explains, the wizard starts again
    return draft


STEPS = ("type", "connection", "options")


def _reachable(draft) -> tuple[str, ...]:
    """The steps the draft may show: a later one only once the earlier ones passed."""
    if draft.connection_ok:
        return STEPS
    return STEPS[:2] if draft.channel_type else STEPS[:1]


def _step(step: str, draft, status: int = 200, **forms):
    """The wizard at `step`; a step reached records its address in the browser's history (htmx), so Back and
    a reload come back to it with everything the draft holds."""
    headers = {}
    if status == 200:
        headers["HX-Push-Url"] = url_for("channel_wizard.start", draft=draft.draft_id, step=step)
    return render(TEMPLATE, "wizard", step=step, draft=draft, **forms), status, headers


@bp.get("/")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
def start():
    """A new draft; or, with `draft` (Back, a reload), the user's draft at the step asked for, or the furthest
    one it reached."""
    draft = wizard_drafts.load(current_user.id, current_account().id, request.args.get("draft"))
    if draft is None:
        draft = wizard_drafts.new(current_user.id, current_account().id)
        wizard_drafts.save(draft)
        reachable: tuple[str, ...] = STEPS[:1]  # a new draft starts at the type
    else:
        reachable = _reachable(draft)
    step = request.args.get("step") if request.args.get("step") in reachable else reachable[-1]
    if step == "options":
        return _step(step, draft, options_form=FirstOptionsForm(formdata=None))[0]
    if step == "connection":
        return _step(step, draft, connection_form=ConnectionForm(formdata=None, data=vars(draft)))[0]
    return _step(
        step, draft, type_form=ChannelTypeForm(formdata=None, data={"channel_type": draft.channel_type})
    )[0]


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
    """Validate step 2, then ask the store (unless it passed a test with this domain and token moments ago).

    The draft keeps each value that passed validation, even when another field failed, and none that did not;
    whatever was connected before, it is connected again only once the store accepts these values."""
    form = ConnectionForm(token_kept=draft.has_token)
    valid = form.validate_on_submit()
    draft.connection_ok = False
    if form.access_token.data and not form.access_token.errors:
        draft.keep_token(form.access_token.data)
    if not form.name.errors:
        draft.name = form.name.data.strip()
    if not form.shop_domain.errors:
        draft.shop_domain = form.shop_domain.data
    if not valid:
        wizard_drafts.save(draft)
        return form, None
    token = draft.token()
    report = wizard_drafts.passed_test(draft, draft.shop_domain, token)
    if report is None:
        report = store_connection.check(draft.shop_domain, token)
        wizard_drafts.remember_passed_test(draft, draft.shop_domain, token, report)
    if not report.reachable:
        form.shop_domain.errors.append(report.message)
    elif not report.authenticated:
        form.access_token.errors.append(report.message)
        draft.forget_token()  # never offer to keep a token the store refused
    draft.connection_ok = report.reachable and report.authenticated
    draft.token_can_write = report.can_write
    wizard_drafts.save(draft)
    return form, report


@bp.post("/test-connection")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
@limit_store_calls
def test_connection():
    """The Test connection button: the step comes back whole, so the fields' errors and the kept token's hint
    agree with the result line (a test is a question, not a submission: 200 whatever the answer)."""
    draft = _draft_or_restart()
    form, report = _validated_connection(draft)
    return _step("connection", draft, connection_form=form, report=report)


@bp.post("/connection")
@require(Permission.MANAGE_CHANNELS)
@fresh_login_required
@limit_store_calls
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
    """Last step: create the channel from the draft, its values validated once more (a draft may be older
    than today's rules, and another channel may have taken the store meanwhile)."""
    draft = _draft_or_restart()
    checked = recheck_connection(draft.name, draft.shop_domain, draft.token() if draft.has_token else "")
    if not draft.connection_ok or checked.errors:
        draft.connection_ok = False
        wizard_drafts.save(draft)
        return _step("connection", draft, 422, connection_form=checked)
    form = FirstOptionsForm()
    if not form.validate_on_submit():
        return _step("options", draft, 422, options_form=form)
    new_channel = creation.NewChannel(
        account_id=draft.account_id,
        channel_type=ChannelType(draft.channel_type),
        name=checked.name.data.strip(),
        shop_domain=checked.shop_domain.data,
        token=draft.token(),
        token_can_write=draft.token_can_write,
        order_statuses=list(form.order_statuses.data),
        import_since=form.import_since.data,
        inventory_mode=InventoryMode(form.inventory_mode.data),
        timezone=current_account().timezone,
        first_import=creation.FirstImport(form.first_import.data),
    )
    try:
        channel = creation.create(new_channel, current_user)
    except creation.ShopDomainTaken:  # someone else connected the same store a moment ago
        db.session.rollback()
        form = ConnectionForm(formdata=None, data=vars(draft))
        form.shop_domain.errors.append(f"{draft.shop_domain} is already used by another sales channel.")
        draft.connection_ok = False
        wizard_drafts.save(draft)
        return _step("connection", draft, 422, connection_form=form)
    db.session.commit()
    wizard_drafts.discard(draft)
    current_app.logger.info("channel created", extra={"channel_id": channel.id})
    if form.first_import.data == "now":
        start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL, current_user)
        db.session.commit()
        flash(f"Channel {channel.name} created; its first order import started.", "success")
        return redirect_to(url_for("sync.actions", channel_id=channel.id))
    return redirect_to(url_for("channels.view", channel_id=channel.id, view="main"))
