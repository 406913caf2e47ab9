"""The API keys screen: naming a new key."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from forms.products import strip
from forms.validators import no_control_characters


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[
            DataRequired(message="Name the key after the system that will use it."),
            Length(max=80),
            no_control_characters,
        ],
        description="Which system uses it, e.g. 'Warehouse WMS (Reno)'.",
    )
