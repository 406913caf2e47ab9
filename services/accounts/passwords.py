"""Password rules (AUTH-02): 8 to 128 characters, no composition rules, not one of the 3,000 most common
passwords (zxcvbn's frequency list, ranked by how often each appeared in breaches), not the user's email."""

from __future__ import annotations

from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"][:3000])


def problems(password: str, email: str = "") -> list[str]:
    found = []
    if len(password) < MIN_LENGTH:
        found.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        found.append(f"Use at most {MAX_LENGTH} characters.")
    if password.casefold() in COMMON_PASSWORDS:
        found.append("This password is one of the most common ones; choose another.")
    folded_email = email.casefold()
    if folded_email and password.casefold() in {folded_email, folded_email.split("@")[0]}:
        found.append("Do not use your email address as the password.")
    return found
