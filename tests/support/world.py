"""A small two-organization world for tests: every role in organization A, objects in each account."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.security import generate_password_hash

from extensions import db
from models.catalog import InventoryLevel, Product, ProductVariant, Warehouse
from models.channels import SalesChannel
from models.tenancy import Account, Membership, Organization, Role, User
from services.accounts import mfa
from services.channels import token_vault
from tests.support.mfa import enrol

PASSWORD = "correct horse battery staple"
# Hashing is deliberately slow (scrypt); every test user shares one hash computed once.
_PASSWORD_HASH = generate_password_hash(PASSWORD)

ROLE_EMAILS = {
    Role.ORG_OWNER: "owner@a.test",
    Role.ORG_ADMIN: "admin@a.test",
    Role.ORG_SUPERVISOR: "supervisor@a.test",
    Role.ACCOUNT_ADMIN: "accountadmin@a.test",
    Role.ACCOUNT_USER: "user@a.test",
}


@dataclass
class Tenant:
    organization: Organization
    account: Account
    warehouse: Warehouse
    product: Product
    variant: ProductVariant
    level: InventoryLevel
    channel: SalesChannel
    users: dict[Role, User] = field(default_factory=dict)


@dataclass
class World:
    a: Tenant  # organization A, account A1: where the role users work
    a2: Account  # a second account of organization A
    b: Tenant  # organization B: another tenant entirely
    memberships: dict[Role, Membership] = field(default_factory=dict)


def make_user(email: str, name: str = "") -> User:
    user = User(email=email, name=name or email.split("@")[0].title(), password_hash=_PASSWORD_HASH)
    db.session.add(user)
    return user


def add_channel(world: World, name: str, **settings) -> SalesChannel:
    """Another channel of account A1, with no store behind it (its domain made from its name); `settings` are
    set after the insert, where None given to the constructor would mean the column's default."""
    made = SalesChannel(
        account_id=world.a.account.id,
        name=name,
        shop_domain=f"{name.lower().replace(' ', '-')}.mybrightsites.com",
    )
    db.session.add(made)
    db.session.flush()
    for key, value in settings.items():
        setattr(made, key, value)
    db.session.commit()
    return made


def _tenant(org_name: str, account_name: str, code: str, sku: str) -> Tenant:
    organization = Organization(name=org_name)
    account = Account(organization=organization, name=account_name, code=code, timezone="America/Chicago")
    warehouse = Warehouse(organization=organization, code=f"WH-{code}", name=f"{org_name} DC")
    warehouse.accounts.append(account)
    product = Product(account=account, name=f"{account_name} tee")
    variant = ProductVariant(account=account, title="M / Navy", weight_g=200)
    variant.set_sku(sku)
    product.variants.append(variant)
    level = InventoryLevel(variant=variant, warehouse=warehouse, on_hand=10, allocated=2)
    token = f"TKN_SENTINEL_{code}_9f3c2b7e41d8"
    channel = SalesChannel(
        account=account,
        name=f"{account_name} store",
        shop_domain=f"{code.lower()}-store.mybrightsites.com",
        token_ciphertext=token_vault.encrypt(token),
        token_last4=token[-4:],
        token_can_write=True,
    )
    db.session.add_all([organization, account, warehouse, product, level, channel])
    return Tenant(organization, account, warehouse, product, variant, level, channel)


def build_world() -> World:
    a = _tenant("Org A", "Account A1", "A1", "TEE-M-NAVY")
    a2 = Account(organization=a.organization, name="Account A2", code="A2", timezone="UTC")
    b = _tenant("Org B", "Account B1", "B1", "TEE-M-NAVY")
    db.session.add(a2)
    world = World(a=a, a2=a2, b=b)
    for role, email in ROLE_EMAILS.items():
        user = make_user(email)
        scope = {"organization": a.organization} if role.is_org_level else {"account": a.account}
        membership = Membership(user=user, role=role, **scope)
        db.session.add(membership)
        a.users[role] = user
        world.memberships[role] = membership
    b_owner = make_user("owner@b.test")
    db.session.add(Membership(user=b_owner, role=Role.ORG_OWNER, organization=b.organization))
    b.users[Role.ORG_OWNER] = b_owner
    db.session.flush()
    # The roles that require MFA have it, with the secret the login helpers compute codes from.
    required = mfa.required_roles()
    for role, user in (*a.users.items(), (Role.ORG_OWNER, b_owner)):
        if role in required:
            enrol(user)
    db.session.commit()
    return world
