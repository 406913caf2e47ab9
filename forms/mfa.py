"""The second factor's forms: a code at login (TOTP or recovery code), the code that confirms enrolment."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class LoginCodeForm(FlaskForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired(), Length(max=32)],
        filters=[lambda v: v and v.strip()],
    )


class EnrolmentForm(FlaskForm):
    code = StringField(
        "Code from the app", validators=[DataRequired(), Length(max=16)], filters=[lambda v: v and v.strip()]
    )
