"""Validators shared by the forms."""

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError


class EmailAddress:
    """A syntactically valid address; no DNS look-up (forms must not call out), `.test` allowed for demos."""

    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(f"Invalid email address: {error}") from None


class NoControlCharacters:
    """Refuse text carrying control characters (newlines included for one-line fields)."""

    def __call__(self, form, field) -> None:
        if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in str(field.data)):
            raise ValidationError("Remove control characters (such as line breaks or tabs).")


def optional_int(value):
    """Coerce for selects whose empty choice means 'none'."""
    if value in (None, "", "None"):
        return None
    return int(value)
