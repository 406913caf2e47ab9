"""The Orders list's filters: a GET form read from the query string (no CSRF: it changes nothing).

A filter whose value is invalid (unknown channel or status, a date that is not one) is ignored and explained
under its field; the other filters still apply.
"""

from __future__ import annotations

from datetime import date

from wtforms import Form, SelectField, StringField
from wtforms.fields import DateField
from wtforms.validators import Optional, ValidationError

from forms.validators import optional_int
from models.channels import SalesChannel
from models.orders import OrderStatus
from services.orders.queries import OrderFilters

MAX_QUERY = 100
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def search_text(value):
    """Printable characters only (no NUL for the database), trimmed and bounded."""
    if not isinstance(value, str):
        return value
    return "".join(char for char in value if char.isprintable()).strip()[:MAX_QUERY]


def _plausible_date(form, field) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Enter a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}.")


def _channel_label(channel: SalesChannel) -> str:
    return f"{channel.name} (deleted)" if channel.deleted_at is not None else channel.name


class OrderFilterForm(Form):
    channel = SelectField("Channel", coerce=optional_int)
    status = SelectField(
        "Status",
        choices=[("", "Any status")] + [(status.value, status.label) for status in OrderStatus],
        default="",  # a plain visit to the list sends no status at all
    )
    date_from = DateField("Created from", validators=[Optional(), _plausible_date])
    date_to = DateField("Created to", validators=[Optional(), _plausible_date])
    q = StringField("Search", filters=[search_text])

    def __init__(self, channels: list[SalesChannel], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [("", "All channels")] + [(c.id, _channel_label(c)) for c in channels]

    def validate_date_to(self, field) -> None:
        start, end = self.date_from.data, field.data
        if start and end and not self.date_from.errors and end < start:
            raise ValidationError("The end date is before the start date.")

    def filters(self) -> OrderFilters:
        """Validate, then the valid filters only."""
        self.validate()

        def valid(field):
            return None if field.errors else field.data

        status = valid(self.status)
        return OrderFilters(
            channel_id=valid(self.channel),
            status=OrderStatus(status) if status else None,
            date_from=valid(self.date_from),
            date_to=valid(self.date_to),
            q=valid(self.q) or "",
        )

    def ignored(self) -> list[str]:
        """`Label: why` for each filter that was ignored."""
        return [f"{field.label.text}: {_reason(field)}" for field in self if field.errors]


def _reason(field) -> str:
    # WTForms' own words for a select ("Invalid Choice: could not coerce.") mean nothing to a user.
    return "not one of the choices." if isinstance(field, SelectField) else field.errors[0]
