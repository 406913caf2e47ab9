"""Accepting an invitation as a new person: a name and a password (the same rules as changing one)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from forms.validators import no_control_characters
from services.accounts import passwords


class NewLoginForm(FlaskForm):
    name = StringField("Your name", validators=[Length(max=120), no_control_characters])
    password = PasswordField("Choose a password", validators=[DataRequired(), Length(max=256)])
    confirm_password = PasswordField("Repeat the password", validators=[DataRequired(), Length(max=256)])

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def validate_password(self, field) -> None:
        for problem in passwords.problems(field.data or "", self.email):
            field.errors.append(problem)

    def validate_confirm_password(self, field) -> None:
        if field.data != self.password.data:
            raise ValidationError("The two passwords differ.")
