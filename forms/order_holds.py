"""The order page's Hold: why the order is held (optional, shown on the order)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from forms.validators import no_control_characters


class HoldForm(FlaskForm):
    reason = StringField("Reason", validators=[Length(max=255), no_control_characters])
