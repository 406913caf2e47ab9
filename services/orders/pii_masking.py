"""Role-based visibility of customer contact data (PII-09): Account Users see e-mails and phones masked.

Pure functions, no Flask: `j***@example.com`, `•••• 1234`. Everyone else sees the values in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.tenancy import Role

MASKED_ROLES = frozenset({Role.ACCOUNT_USER})
BULLETS = "••••"


def masks_pii(role: Role | None) -> bool:
    """Whether this role sees contact data masked; an unknown role is treated as the least trusted."""
    return role is None or role in MASKED_ROLES


def mask_email(email: str | None) -> str:
    """`john.doe@example.com` -> `j***@example.com`; text that is not an address is hidden entirely."""
    if not email:
        return ""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(phone: str | None) -> str:
    """`+1 (555) 123-4567` -> `•••• 4567`; fewer than four digits show none of them."""
    if not phone:
        return ""
    digits = [char for char in phone if char.isascii() and char.isdigit()]
    if len(digits) < 4:
        return BULLETS
    return f"{BULLETS} {''.join(digits[-4:])}"


@dataclass(frozen=True)
class ContactView:
    """What a template calls to show contact data: `pii.email(order.customer_email)`."""

    masked: bool

    @classmethod
    def for_role(cls, role: Role | None) -> ContactView:
        return cls(masked=masks_pii(role))

    def email(self, value: str | None) -> str:
        return mask_email(value) if self.masked else value or ""

    def phone(self, value: str | None) -> str:
        return mask_phone(value) if self.masked else value or ""
