"""Logins looked up: by e-mail whatever its case, and a set of them by id."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from extensions import db
from models.tenancy import User


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().casefold()))


def users_by_id(user_ids: Iterable[int]) -> dict[int, User]:
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(set(user_ids))))}
