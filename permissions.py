"""Who may do what: the policy table as data, the view decorator and tenant-scoped lookups.

Every view declares a permission with @require (or is listed in PUBLIC_ENDPOINTS / LOGIN_ONLY_ENDPOINTS /
API_KEY_ENDPOINTS); an undeclared endpoint is refused by `enforce_declared_permission` (deny by default,
ACC-01). Objects are looked up inside the current account only: anything else answers 404 (ACC-02).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import or_, select

from extensions import db, login_manager
from models.channels import SalesChannel
from models.tenancy import Account, Membership, Role, User

security_log = logging.getLogger("techoms.security")
T = TypeVar("T")


class Permission(enum.StrEnum):
    VIEW = "view"  # channels, orders, logs, products, stock, warehouses of the own scope
    RUN_SYNC = "run_sync"
    MANAGE_CHANNELS = "manage_channels"  # create / delete
    EDIT_CHANNEL_SETTINGS = "edit_channel_settings"  # settings and mappings
    EDIT_CHANNEL_CREDENTIALS = "edit_channel_credentials"  # shop domain, access token
    EDIT_PII_RETENTION = "edit_pii_retention"
    MANAGE_ORG_USERS = "manage_org_users"
    MANAGE_ACCOUNT_USERS = "manage_account_users"
    # Added for the administration screens (the first table covered channels and users).
    MANAGE_WAREHOUSES = "manage_warehouses"  # create org warehouses, enable them per account
    MANAGE_PRODUCTS = "manage_products"
    ADJUST_STOCK = "adjust_stock"
    MANAGE_API_KEYS = "manage_api_keys"  # create and revoke the account's keys for the host-system API
    ADD_SHIPMENT = "add_shipment"  # record a package that left the warehouse (order page)
    MANAGE_ALERTS = "manage_alerts"  # the account's alert recipients and webhook, and its outbox
    RESET_MFA = "reset_mfa"  # clear another member's second factor; they enrol again at their next login
    HOLD_ORDERS = "hold_orders"  # put an order on hold in techOMS and release it (no store call)
    CANCEL_ORDERS = "cancel_orders"  # cancel the order on the store (PUT /orders/:id/cancel)
    ADD_ORDER_NOTES = "add_order_notes"  # append a note to the store order
    VOID_SHIPMENTS = "void_shipments"  # take a shipment sent by mistake back from the store (DELETE)
    ACKNOWLEDGE_ORDERS = (
        "acknowledge_orders"  # tell the store fulfilment started (In progress / Back ordered)
    )
    MANAGE_WEBHOOKS = "manage_webhooks"  # the account's event webhook endpoints, secrets, replays


_O, _A, _S, _AA, _AU = (
    Role.ORG_OWNER,
    Role.ORG_ADMIN,
    Role.ORG_SUPERVISOR,
    Role.ACCOUNT_ADMIN,
    Role.ACCOUNT_USER,
)

POLICY: dict[Permission, frozenset[Role]] = {
    Permission.VIEW: frozenset({_O, _A, _S, _AA, _AU}),
    Permission.RUN_SYNC: frozenset({_O, _A, _S, _AA, _AU}),
    Permission.MANAGE_CHANNELS: frozenset({_O, _A, _AA}),
    Permission.EDIT_CHANNEL_SETTINGS: frozenset({_O, _A, _S, _AA}),
    Permission.EDIT_CHANNEL_CREDENTIALS: frozenset({_O, _A, _AA}),
    Permission.EDIT_PII_RETENTION: frozenset({_O, _A, _AA}),
    Permission.MANAGE_ORG_USERS: frozenset({_O, _A}),
    Permission.MANAGE_ACCOUNT_USERS: frozenset({_O, _A, _AA}),
    Permission.MANAGE_WAREHOUSES: frozenset({_O, _A}),
    Permission.MANAGE_PRODUCTS: frozenset({_O, _A, _S, _AA}),
    Permission.ADJUST_STOCK: frozenset({_O, _A, _S, _AA}),
    Permission.MANAGE_API_KEYS: frozenset({_O, _A, _AA}),
    Permission.ADD_SHIPMENT: frozenset({_O, _A, _AA, _AU}),
    Permission.HOLD_ORDERS: frozenset({_O, _A, _S, _AA}),
    Permission.CANCEL_ORDERS: frozenset({_O, _A, _AA}),
    Permission.ADD_ORDER_NOTES: frozenset({_O, _A, _S, _AA, _AU}),
    Permission.VOID_SHIPMENTS: frozenset({_O, _A, _AA}),
    Permission.ACKNOWLEDGE_ORDERS: frozenset({_O, _A, _S, _AA, _AU}),
    Permission.MANAGE_ALERTS: frozenset({_O, _A, _AA}),
    Permission.RESET_MFA: frozenset({_O}),
    Permission.MANAGE_WEBHOOKS: frozenset({_O, _A, _AA}),
}

# The login's second step, between the password and the login itself: the views check the half-finished login
# kept in the session (web/second_factor.py) and send anyone without one to the login page.
SECOND_FACTOR_ENDPOINTS = frozenset({"mfa.verify", "mfa.enrol"})
# Reachable without logging in. The API's OpenAPI description documents the contract and holds no data. The
# order push intake authenticates the store by the secret in its URL (blueprints/order_push_intake.py), not a
# login. The probes say ok or failing only; /metrics checks its own bearer token (web/metrics.py). An
# invitation's link authenticates by its token (a new person has no login; an existing one must be logged in
# as the invited address: blueprints/invitations.py).
PUBLIC_ENDPOINTS = frozenset(
    {
        *("static", "auth.login", "health.health", "health.ready", "health.background_ready"),
        *("metrics.scrape", "home.index"),
        *("api.openapi", "intake.brightsites_order", "invitations.respond"),
        *SECOND_FACTOR_ENDPOINTS,
    }
)
# Reachable by any logged-in user, whatever their role: they act on the user's own session.
LOGIN_ONLY_ENDPOINTS = frozenset(
    {
        "auth.logout",
        "auth.reauthenticate",
        "auth.change_password",
        "accounts.switch",
        "accounts.none",
        "mfa.settings",
        "mfa.regenerate_recovery_codes",
        "mfa.disable",
    }
)
# The host-system API (/api/v1): authenticated by an account API key, never by the session (no cookie, so no
# CSRF). Each view must also carry the key check (blueprints/api/auth.py marks it `authenticates_by_api_key`);
# one without it is refused like an undeclared endpoint.
API_KEY_ENDPOINTS = frozenset(
    {"api.account", "api.create_shipment", "api.inventory", "api.orders", "api.order", "api.events"}
)


def allows(role: Role | None, permission: Permission) -> bool:
    return role is not None and role in POLICY[permission]


def visible_accounts(user: User) -> list[Account]:
    """Accounts of organizations where the user has an active org role, plus those of account roles."""
    org_ids = select(Membership.organization_id).where(
        Membership.user_id == user.id, Membership.active, Membership.organization_id.is_not(None)
    )
    account_ids = select(Membership.account_id).where(
        Membership.user_id == user.id, Membership.active, Membership.account_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Account)
            .where(or_(Account.organization_id.in_(org_ids), Account.id.in_(account_ids)))
            .order_by(Account.name)
        )
    )


def role_in(user: User, account: Account) -> Role | None:
    """The user's role over this account: an org-level role wins over an account-level one."""
    memberships = db.session.scalars(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.active,
            or_(Membership.organization_id == account.organization_id, Membership.account_id == account.id),
        )
    )
    roles = [m.role for m in memberships]
    return max(roles, key=lambda role: role.rank) if roles else None


def current_account() -> Account | None:
    """The account chosen in the header switcher, re-checked against the memberships on every request."""
    if "account" in g:
        return g.account
    account = None
    if current_user.is_authenticated:
        accounts = visible_accounts(current_user)
        chosen = session.get("account_id")
        account = next((a for a in accounts if a.id == chosen), accounts[0] if accounts else None)
        if account is not None:
            session["account_id"] = account.id
        g.visible_accounts = accounts
    g.account = account
    g.role = role_in(current_user, account) if account is not None else None
    return account


def current_role() -> Role | None:
    current_account()
    return g.role


def can(permission: Permission) -> bool:
    """For templates and views: may the current user do this in the current account?"""
    return allows(current_role(), permission)


def require(permission: Permission) -> Callable:
    """Login, an account in scope, and `permission` there; otherwise login redirect, or 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_account() is None:
                abort(403)
            if not allows(current_role(), permission):
                security_log.warning(
                    "access denied",
                    extra={
                        "user_id": current_user.id,
                        "endpoint": request.endpoint,
                        "permission": str(permission),
                    },
                )
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # read by the deny-by-default hook and the policy tests
        return wrapped

    return decorator


def enforce_declared_permission() -> None:
    """before_request: refuse any endpoint that declares no permission and is not explicitly public."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return
    if endpoint in API_KEY_ENDPOINTS:
        view = current_app.view_functions.get(endpoint)
        if not getattr(view, "authenticates_by_api_key", False):
            security_log.error("API endpoint without the key check refused", extra={"endpoint": endpoint})
            abort(403)
        return
    if endpoint in LOGIN_ONLY_ENDPOINTS:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return
    view = current_app.view_functions.get(endpoint)
    if getattr(view, "required_permission", None) is None:
        security_log.error("endpoint without a declared permission refused", extra={"endpoint": endpoint})
        abort(403)


def in_account_or_404(model: type[T], object_id: int, *, account_column: str = "account_id") -> T:
    """Load `model` by id only if it belongs to the current account; anything else is a 404."""
    account = current_account()
    if account is None:
        abort(404)
    obj = db.session.scalar(
        select(model).where(model.id == object_id, getattr(model, account_column) == account.id)
    )
    if obj is None:
        abort(404)
    return obj


def channel_or_404(channel_id: int):
    """A live (not deleted) sales channel of the current account."""
    channel = in_account_or_404(SalesChannel, channel_id)
    if channel.deleted_at is not None:
        abort(404)
    return channel
