"""Forms of the Sync Actions section."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField
from wtforms.validators import AnyOf, Optional, ValidationError


class ImportOrdersForm(FlaskForm):
    """Import orders now; with dates, only orders created in that range (the watermark is left alone)."""

    created_from = DateField("Created from", validators=[Optional()])
    created_to = DateField("Created to", validators=[Optional()])

    def validate_created_to(self, field) -> None:
        if field.data and self.created_from.data and field.data < self.created_from.data:
            raise ValidationError("The end date is before the start date.")

    def params(self) -> dict:
        return {
            key: value.isoformat()
            for key, value in (("created_from", self.created_from.data), ("created_to", self.created_to.data))
            if value
        }


class ApiLoggingForm(FlaskForm):
    enable = HiddenField(validators=[AnyOf(["on", "off"])])
