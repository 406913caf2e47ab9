"""The channel page's API cost section: the monthly allowance of billed calls and its warning threshold."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import Optional, ValidationError

from forms.validators import NumberRange

MAX_CALLS = 100_000_000


class ApiCostForm(FlaskForm):
    monthly_allowance = IntegerField(
        "Monthly allowance (billed calls)",
        validators=[Optional(), NumberRange(1, MAX_CALLS)],
        description="Blank: no limit. At the allowance scheduled runs pause until the next month (UTC); "
        "runs started by hand ask for a confirmation.",
    )
    warning_calls = IntegerField(
        "Warning threshold (billed calls)",
        validators=[Optional(), NumberRange(1, MAX_CALLS)],
        description="Blank: no warning. From this many calls a month a banner shows on the channel and "
        "the list.",
    )

    def validate_warning_calls(self, field) -> None:
        allowance = self.monthly_allowance.data
        if field.data is not None and allowance is not None and field.data > allowance:
            raise ValidationError("The warning threshold must not be above the monthly allowance.")
