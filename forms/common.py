"""Forms shared by several blueprints."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A POST-only button: carries the CSRF token and nothing else."""
