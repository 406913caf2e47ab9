"""Forms of the Sync Actions section."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField
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


class ImportProductsForm(FlaskForm):
    """Import products now: create the missing ones only (default), or also bring the names and measures of
    linked variants in line with the store; a full listing also finds the products gone from the store."""

    mode = RadioField(
        "Products already in techOMS",
        choices=[
            ("create", "Create missing products only"),
            ("update", "Also update names and measures of linked variants"),
        ],
        default="create",
    )
    full = BooleanField(
        "Read the whole store listing: finds products removed from the store; with “also update”, shows "
        "every product again (one call each)"
    )

    def params(self) -> dict:
        params = {}
        if self.mode.data == "update":
            params["update_linked"] = True
        if self.full.data:
            params["full"] = True
        return params


class ApiLoggingForm(FlaskForm):
    enable = HiddenField(validators=[AnyOf(["on", "off"])])
