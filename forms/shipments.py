"""The order page's "Add shipment" form: a quantity per line that is left to ship, carrier + service,
warehouse, tracking number, ship date and a note."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from forms.products import WholeNumberField, strip
from forms.validators import NumberRange, no_control_characters, optional_int
from models.catalog import CarrierService, Warehouse
from models.orders import SalesOrderLine
from models.shipments import NOTE_LENGTH, TRACKING_LENGTH

EARLIEST_SHIP_DATE = date(2000, 1, 1)
LATEST_AHEAD = timedelta(days=366)


def plausible_ship_date(value: date, today: date) -> str | None:
    """Why a ship date cannot be right, or None."""
    if value < EARLIEST_SHIP_DATE:
        return f"The ship date cannot be before {EARLIEST_SHIP_DATE.isoformat()}."
    if value > today + LATEST_AHEAD:
        return "The ship date is more than a year ahead."
    return None


class AddShipmentForm(FlaskForm):
    carrier_service_id = SelectField("Carrier and service", coerce=optional_int, validate_choice=False)
    warehouse_id = SelectField("Warehouse", coerce=optional_int, validate_choice=False)
    tracking_number = StringField(
        "Tracking number",
        filters=[strip],
        validators=[
            DataRequired(message="Enter the tracking number."),
            Length(max=TRACKING_LENGTH),
            no_control_characters,
        ],
    )
    ship_date = DateField("Ship date", validators=[DataRequired(message="Enter the ship date.")])
    note = StringField(
        "Note", filters=[strip], validators=[Optional(), Length(max=NOTE_LENGTH), no_control_characters]
    )

    line_fields: list[tuple[SalesOrderLine, str]]
    today: date
    services: dict[int, CarrierService]
    warehouses: dict[int, Warehouse]

    def validate_carrier_service_id(self, field) -> None:
        if field.data not in self.services:
            raise ValidationError("Choose the carrier and service.")

    def validate_warehouse_id(self, field) -> None:
        if field.data is not None and field.data not in self.warehouses:
            raise ValidationError("Choose one of the account's warehouses.")

    @property
    def carrier_service(self) -> CarrierService | None:
        return self.services.get(self.carrier_service_id.data)

    @property
    def warehouse(self) -> Warehouse | None:
        return self.warehouses.get(self.warehouse_id.data)

    def validate_ship_date(self, field) -> None:
        problem = plausible_ship_date(field.data, self.today) if field.data else None
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.lines_to_ship():
            self.form_errors.append("Enter a quantity for at least one line.")
            return False
        return valid

    def lines_to_ship(self) -> list[tuple[int, int]]:
        return [(line.id, self[name].data) for line, name in self.line_fields if self[name].data]

    def rows(self):
        """(order line, its quantity field) for the template."""
        return [(line, self[name]) for line, name in self.line_fields]


def add_shipment_form(
    lines: Sequence[SalesOrderLine],
    services: Sequence[CarrierService],
    warehouses: Sequence[Warehouse],
    *,
    today: date,
    default_service: CarrierService | None = None,
    posted: bool = False,
) -> AddShipmentForm:
    """The form for these shippable lines: the posted one, or a fresh one with defaults (the whole remaining
    quantity of every line, the order's own carrier service, today)."""

    class Form(AddShipmentForm):
        pass

    names = []
    for line in lines:
        name = f"quantity_{line.id}"
        message = f"Enter 0 to {line.remaining_quantity:,}."
        setattr(
            Form,
            name,
            WholeNumberField(
                f"Quantity of line {line.external_line_id}",
                default=line.remaining_quantity,
                validators=[Optional(), NumberRange(min=0, max=line.remaining_quantity, message=message)],
            ),
        )
        names.append((line, name))
    data = {
        "ship_date": today,
        "carrier_service_id": default_service.id if default_service else None,
        "warehouse_id": warehouses[0].id if len(warehouses) == 1 else None,
    }
    form = Form() if posted else Form(formdata=None, data=data)
    form.line_fields = names
    form.today = today
    form.services = {service.id: service for service in services}
    form.warehouses = {warehouse.id: warehouse for warehouse in warehouses}
    form.carrier_service_id.choices = [("", "Choose…")] + [
        (service.id, f"{service.carrier.code} / {service.code} — {service.name}") for service in services
    ]
    form.warehouse_id.choices = [("", "—")] + [(w.id, f"{w.code} — {w.name}") for w in warehouses]
    return form
