"""Users and memberships: who may grant which role, and the password policy."""
