"""Masking of customer e-mails and phones for roles that may not see them in full (PII-09)."""

from __future__ import annotations

import pytest

from models.tenancy import Role
from services.orders.pii_masking import ContactView, mask_email, mask_phone, masks_pii


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("john@example.com", "j***@example.com"),
        ("Jane.Doe+orders@shop.example.co.uk", "J***@shop.example.co.uk"),
        ("a@example.com", "a***@example.com"),
        ("  pii.sentinel@example.com ", "p***@example.com"),
        ('"odd@local"@example.com', '"***@example.com'),  # the last @ separates the domain
        ("not-an-address", "***"),
        ("@example.com", "***"),
        ("john@", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+1 (555) 123-4567", "•••• 4567"),
        ("5551234", "•••• 1234"),
        ("1234", "•••• 1234"),
        ("ext 12", "••••"),
        ("+44 20 7946 0958 ", "•••• 0958"),
        ("١٢٣٤٥٦٧", "••••"),  # only ASCII digits are shown
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_masked_text_never_contains_the_hidden_part():
    assert "sentinel" not in mask_email("pii.sentinel@example.com")
    assert "555" not in mask_phone("+1 555 555 0100")


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_only_account_users_see_contact_data_masked(role):
    assert masks_pii(role) is (role is Role.ACCOUNT_USER)


def test_no_role_is_masked():
    assert masks_pii(None)


def test_contact_view_applies_the_role():
    masked = ContactView.for_role(Role.ACCOUNT_USER)
    full = ContactView.for_role(Role.ORG_ADMIN)
    assert masked.email("john@example.com") == "j***@example.com"
    assert masked.phone("+1 555 123 4567") == "•••• 4567"
    assert full.email("john@example.com") == "john@example.com"
    assert full.phone("+1 555 123 4567") == "+1 555 123 4567"
    assert full.email(None) == "" and full.phone(None) == ""
