"""Forms of the Privacy section's purge."""

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class PurgeNowForm(FlaskForm):
    confirm = BooleanField(
        "I understand that this customer data is removed for good",
        validators=[DataRequired("Tick the box to confirm the purge; nothing was purged.")],
    )
