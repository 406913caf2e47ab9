"""Validators shared by the forms."""

from email_validator import EmailNotValidError, validate_email
from wtforms import validators
from wtforms.validators import ValidationError

from services.shown_text import has_unshown_characters


class NumberRange(validators.NumberRange):
    """WTForms' range check, also for whole numbers no float can hold: its NaN test converts the value to a
    float, which overflows (a 500) on an integer like 10**400 typed into a number field."""

    def __call__(self, form, field) -> None:
        if isinstance(field.data, bool) or not isinstance(field.data, int):
            return super().__call__(form, field)
        low, high = self._resolve(self.min), self._resolve(self.max)
        if (low is None or field.data >= low) and (high is None or field.data <= high):
            return None
        if self.message is not None:
            message = self.message
        elif high is None:
            message = field.gettext("Number must be at least %(min)s.")
        elif low is None:
            message = field.gettext("Number must be at most %(max)s.")
        else:
            message = field.gettext("Number must be between %(min)s and %(max)s.")
        raise ValidationError(message % {"min": low, "max": high})


class EmailAddress:
    """A syntactically valid address; no DNS look-up (forms must not call out), `.test` allowed for demos."""

    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(f"Invalid email address: {error}") from None


def no_control_characters(form, field) -> None:
    """One printable line, for every name and code field: no tabs, line breaks, NUL or other control
    characters (Cc), no line or paragraph separators (Zl, Zp: U+2028 broke alert e-mails) and no invisible
    format characters (Cf)."""
    if field.data and has_unshown_characters(str(field.data)):
        raise ValidationError(
            "Remove control characters (tabs, line or paragraph breaks, invisible formatting and the like)."
        )


def ascii_token(form, field) -> None:
    """An API token travels in an HTTP header, which carries plain ASCII: letters, digits and symbols only.
    A typographic quote pasted from a document would otherwise fail every call to the store."""
    value = (field.data or "").strip()
    if any(not "!" <= char <= "~" for char in value):
        raise ValidationError(
            "An access token has only plain letters, digits and symbols; this one has other characters "
            "(a space, an accent or a curly quote?). Copy it again from the store admin."
        )


def optional_int(value):
    """Coerce for selects whose empty choice means 'none'."""
    if value in (None, "", "None"):
        return None
    return int(value)
