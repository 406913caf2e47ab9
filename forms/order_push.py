"""Forms of the channel page's Order push section."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from services.order_push.settings import API_VERSIONS


class OrderPushForm(FlaskForm):
    api_version = SelectField(
        "API version to choose in the Bright Sites admin",
        choices=[(version, version) for version in API_VERSIONS],
        validators=[InputRequired()],
    )
