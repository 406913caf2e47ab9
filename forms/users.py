"""Forms for managing the users of an organization or account."""

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from forms.validators import EmailAddress, no_control_characters
from models.tenancy import Role


def _role_choices(roles: list[Role]) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in roles]


class NewMembershipForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), EmailAddress()])
    name = StringField("Name", validators=[Length(max=120), no_control_characters])
    role = SelectField("Role", validators=[DataRequired()])

    def __init__(self, roles: list[Role], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices(roles)


class ChangeRoleForm(FlaskForm):
    role = SelectField("Role", validators=[DataRequired()])

    def __init__(self, roles: list[Role], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices(roles)
