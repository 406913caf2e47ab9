"""API keys of the current account, for the host-system API (/api/v1): list, create (shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user, fresh_login_required

from extensions import db
from forms.api_keys import ApiKeyForm
from forms.common import EmptyForm
from models.api_keys import ApiKey
from permissions import Permission, current_account, require
from services import api_keys
from web.htmx import redirect_to, render

bp = Blueprint("api_keys", __name__, url_prefix="/api-keys")
KEY_ID = "<int(max=2147483647):key_id>"


def _render(form: ApiKeyForm, *, new_key: str | None = None, created: ApiKey | None = None, status=200):
    account = current_account()
    page = render(
        "api_keys/index.html",
        "panel",
        account=account,
        keys=api_keys.account_keys(account),
        form=form,
        revoke_form=EmptyForm(formdata=None),
        new_key=new_key,
        created=created,
        max_keys=api_keys.MAX_ACTIVE_KEYS,
    )
    return page, status


@bp.get("/")
@require(Permission.MANAGE_API_KEYS)
def index():
    """The account's keys: name, prefix, who made it, when it was last used, whether it is revoked."""
    return _render(ApiKeyForm(formdata=None))


@bp.post("/")
@require(Permission.MANAGE_API_KEYS)
@fresh_login_required
def create():
    """A new key, shown in this answer only: it is stored hashed and cannot be shown again."""
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    try:
        row, key = api_keys.create_key(current_account(), form.name.data, current_user)
    except api_keys.TooManyKeys:
        form.name.errors.append(f"This account has {api_keys.MAX_ACTIVE_KEYS} active keys: revoke one first.")
        return _render(form, status=422)
    db.session.commit()
    # Rendered, not redirected: the key must not travel through the session (flash) to a later page.
    return _render(ApiKeyForm(formdata=None), new_key=key, created=row, status=201)


@bp.post(f"/{KEY_ID}/revoke")
@require(Permission.MANAGE_API_KEYS)
def revoke(key_id: int):
    """Revoke at once; the key stays listed as revoked."""
    key = api_keys.key_of_account(current_account(), key_id)
    if key is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if api_keys.revoke(key, current_user):
        db.session.commit()
        flash(f"API key {key.name} ({key.display_prefix}) revoked: calls with it now answer 401.", "success")
    return redirect_to(url_for("api_keys.index"))
