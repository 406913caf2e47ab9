"""The design system's gallery for bench/screenshots.py: every component of docs/design-system.md on one page,
built from the application's own templates, macros and CSS. The route exists only in the screenshots
process (`install`), never in the application: production stays without it."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, render_template
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField

from permissions import Permission, require

URL = "/__design-system"
# Each is a <section data-component="…"> of the page, photographed on its own.
COMPONENTS = (
    "page-header",
    "buttons",
    "fields",
    "tables",
    "badges",
    "banners",
    "cards",
    "tabs",
    "empty-states",
)

gallery = Blueprint("design_system", __name__, template_folder=str(Path(__file__).parent / "templates"))


class SampleForm(FlaskForm):
    """Fields in each state the `field()` macro draws: plain with help, refused, a select, a checkbox."""

    name = StringField("Name")
    buffer = IntegerField("Safety buffer")
    carrier = SelectField("Carrier System Code", choices=[("", "Choose…"), ("ups", "UPS · UPS")])
    primary = BooleanField("Primary")


@gallery.get(URL)
@require(Permission.VIEW)
def components():
    form = SampleForm(formdata=None, data={"name": "Northwind West", "buffer": -5})
    form.buffer.errors = ["Enter a whole number from 0 to 1,000,000."]
    form.carrier.errors = ["Choose a carrier."]
    return render_template("design_system.html", form=form)


def install(app: Flask) -> None:
    app.register_blueprint(gallery)
