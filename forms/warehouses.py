"""Warehouse creation and the enable/disable button."""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from extensions import db
from forms.products import strip
from forms.validators import no_control_characters
from models.catalog import Warehouse


def upper(value):
    return value.upper() if isinstance(value, str) else value


class WarehouseForm(FlaskForm):
    code = StringField(
        "Code",
        filters=[strip, upper],
        validators=[
            DataRequired(message="Enter a code."),
            Length(max=32),
            Regexp(r"^[A-Z0-9-]{1,32}$", message="Use letters A-Z, digits and dashes only."),
        ],
    )
    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired(message="Enter a name."), Length(max=120), no_control_characters],
    )

    def __init__(self, organization_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._organization_id = organization_id

    def validate_code(self, field) -> None:
        if field.errors:
            return
        existing = db.session.scalar(
            select(Warehouse).where(
                Warehouse.organization_id == self._organization_id, Warehouse.code == field.data
            )
        )
        if existing is not None:
            raise ValidationError(code_taken_message(field.data, existing))


def code_taken_message(code: str, existing: Warehouse | None = None) -> str:
    owner = f" by warehouse {existing.name}" if existing is not None else ""
    return f"Code {code} is already used{owner} in this organization."


class ToggleWarehouseForm(FlaskForm):
    """`enable` is the wanted state ("1" or "0"): a double submit does not undo itself. Absent, it flips."""

    enable = HiddenField(validators=[Optional(), AnyOf(["1", "0"], message="Unknown state.")])

    def wanted(self, currently_enabled: bool) -> bool:
        return self.enable.data == "1" if self.enable.data else not currently_enabled
