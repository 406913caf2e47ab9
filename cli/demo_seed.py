"""`flask demo seed`: idempotent demo data — one organization, two accounts, a user per role, warehouses,
carriers and a catalog whose SKUs the Bright Sites simulator's demo store also sells. The owner and the admin
need a second factor: they are enrolled with the secrets below, and `flask demo totp EMAIL` prints the code
of now (development only), so a newcomer logs in without an authenticator app."""

from __future__ import annotations

import random

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.catalog import Carrier, CarrierService, InventoryLevel, Product, ProductVariant, Warehouse
from models.mfa import MfaCredential
from models.tenancy import Account, Membership, Organization, Role, User, account_code_from_name
from services.accounts import totp

demo_cli = AppGroup("demo", help="Demo data.")

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  printed for the local demo on purpose
ORGANIZATION = "Northwind Promotions"
ACCOUNTS = [("Northwind Apparel", "America/Chicago"), ("Northwind Events", "America/New_York")]
USERS = [
    ("owner@demo.test", "Olivia Owner", Role.ORG_OWNER, None),
    ("admin@demo.test", "Adam Admin", Role.ORG_ADMIN, None),
    ("supervisor@demo.test", "Sam Supervisor", Role.ORG_SUPERVISOR, None),
    ("accountadmin@demo.test", "Alice AccountAdmin", Role.ACCOUNT_ADMIN, "Northwind Apparel"),
    ("user@demo.test", "Uma User", Role.ACCOUNT_USER, "Northwind Apparel"),
]
# Known on purpose: the demo's owner and admin log in with `flask demo totp`. Only ever in the demo data.
DEMO_TOTP_SECRETS = {
    "owner@demo.test": "IM7ZQIM6CJBLTGFOPSEHNHETJ5ZY7YGV",
    "admin@demo.test": "J5CSWAS45SXEU36VQ4B2JBTQLEJHEPWT",
}
WAREHOUSES = [("EAST", "East Distribution Center"), ("WEST", "West Distribution Center")]
CARRIERS = {
    ("UPS", "UPS"): [
        ("GND", "Ground"),
        ("2DA", "2nd Day Air"),
        ("2DAS", "2nd Day Air Saver"),
        ("NDA", "Next Day Air"),
    ],
    ("FEDEX", "FedEx"): [("GRD", "Ground"), ("2DAY", "2Day"), ("PO", "Priority Overnight")],
    ("USPS", "USPS"): [("PRI", "Priority Mail"), ("GA", "Ground Advantage")],
    ("WILLCALL", "Will Call"): [("PICKUP", "Customer pickup")],
}
# The simulator's demo store sells products 1..60 of this catalog (sandbox/demo.py).
PRODUCT_COUNT = 220
SIZES = ("S", "M", "L")
COLOURS = ("NAVY", "WHITE")


def demo_variant_sku(number: int, size: str, colour: str) -> str:
    return f"BS-{number:04d}-{size}-{colour}"


def _get_or_create(model, defaults: dict | None = None, **where):
    obj = db.session.scalar(select(model).filter_by(**where))
    if obj is None:
        obj = model(**where, **(defaults or {}))
        db.session.add(obj)
        db.session.flush()
    return obj


def seed() -> dict:
    organization = _get_or_create(Organization, name=ORGANIZATION)
    accounts = {
        name: _get_or_create(
            Account,
            organization_id=organization.id,
            name=name,
            defaults={"code": account_code_from_name(name), "timezone": tz},
        )
        for name, tz in ACCOUNTS
    }
    for email, name, role, account_name in USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
        scope = (
            {"account_id": accounts[account_name].id}
            if account_name
            else {"organization_id": organization.id}
        )
        _get_or_create(Membership, user_id=user.id, **scope, defaults={"role": role})
        if (
            email in DEMO_TOTP_SECRETS
            and db.session.scalar(select(MfaCredential.id).where(MfaCredential.user_id == user.id)) is None
        ):  # enrolled once; whatever the user set up since stays
            db.session.add(
                MfaCredential(
                    user_id=user.id,
                    secret_ciphertext=totp.encrypt(DEMO_TOTP_SECRETS[email]),
                    enabled_at=utcnow(),
                )
            )
    warehouses = [
        _get_or_create(Warehouse, organization_id=organization.id, code=code, defaults={"name": name})
        for code, name in WAREHOUSES
    ]
    for account in accounts.values():
        for warehouse in warehouses:
            if account not in warehouse.accounts:
                warehouse.accounts.append(account)
    for (code, name), services in CARRIERS.items():
        carrier = _get_or_create(Carrier, code=code, defaults={"name": name})
        for service_code, service_name in services:
            _get_or_create(
                CarrierService, carrier_id=carrier.id, code=service_code, defaults={"name": service_name}
            )
    _seed_catalog(accounts["Northwind Apparel"], warehouses, PRODUCT_COUNT)
    _seed_catalog(accounts["Northwind Events"], warehouses[:1], 20)
    db.session.commit()
    return {"organization": organization, "accounts": accounts}


def _seed_catalog(account: Account, warehouses: list[Warehouse], count: int) -> None:
    if db.session.scalar(select(Product.id).where(Product.account_id == account.id).limit(1)) is not None:
        return  # already seeded: leave whatever people changed since
    rng = random.Random(f"demo-{account.code}")  # deterministic stock figures
    for number in range(1, count + 1):
        product = Product(account_id=account.id, name=f"Demo product {number}")
        db.session.add(product)
        for size in SIZES:
            for colour in COLOURS:
                variant = ProductVariant(
                    account_id=account.id,
                    title=f"{size} / {colour.title()}",
                    weight_g=rng.randint(120, 900),
                )
                variant.set_sku(demo_variant_sku(number, size, colour))
                product.variants.append(variant)
                for warehouse in warehouses:
                    on_hand = rng.randint(0, 250)
                    variant.inventory_levels.append(
                        InventoryLevel(warehouse=warehouse, on_hand=on_hand, allocated=0)
                    )


@demo_cli.command("seed")
def seed_command() -> None:
    """Create (or complete) the demo data and print the logins."""
    seed()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, account_name in USERS:
        click.echo(f"  {email:<26} {role.label}{' of ' + account_name if account_name else ''}")
    click.echo("The owner and the admin have two-factor authentication: after the password, enter the code")
    click.echo("  .venv/bin/flask --app app:create_app demo totp owner@demo.test")


@demo_cli.command("totp")
@click.argument("email")
def totp_command(email: str) -> None:
    """Print the current two-factor code of a user (development only: it stands in for the phone)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Refused in production: the code comes from the user's authenticator app.")
    user_id = db.session.scalar(select(User.id).where(func.lower(User.email) == email.strip().casefold()))
    found = db.session.scalar(select(MfaCredential).where(MfaCredential.user_id == user_id))
    if found is None or not found.enabled:
        raise click.ClickException(f"{email} has no two-factor authentication.")
    click.echo(totp.code_at(totp.decrypt(found.secret_ciphertext), utcnow()))
