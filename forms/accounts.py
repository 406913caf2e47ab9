"""The header's account switcher."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired


class SwitchAccountForm(FlaskForm):
    account_id = SelectField("Account", coerce=int, validators=[InputRequired()], validate_choice=True)

    def __init__(self, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_id.choices = [(a.id, f"{a.name} ({a.code})") for a in accounts]
