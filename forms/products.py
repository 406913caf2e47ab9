"""Product, variant and stock adjustment forms, and the input checks the catalog forms share."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from forms.validators import NumberRange, no_control_characters
from models.catalog import ProductVariant, sku_key
from services.catalog import variant_with_sku

MAX_STOCK = 10_000_000
MAX_WEIGHT_G = 1_000_000
MAX_DIMENSION_MM = 100_000
VARIANT_FIELDS = ("sku", "title", "weight_g", "length_mm", "width_mm", "height_mm")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """An integer input: blank means no value; a non-number is reported once, without a range error on top."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter a whole number.") from exc

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


def _number_required(form, field) -> None:
    if field.data is None:
        raise StopValidation("Enter a number.")


def _whole(label: str, maximum: int, *, required: bool = False) -> WholeNumberField:
    message = f"Enter a number from 0 to {maximum:,}."
    presence = _number_required if required else Optional()
    return WholeNumberField(label, validators=[presence, NumberRange(min=0, max=maximum, message=message)])


def sku_taken_message(variant: ProductVariant) -> str:
    return f"SKU {variant.sku} is already used by product {variant.product.name}."


def sku_conflict_message(account_id: int, sku: str) -> str:
    """The message for a SKU the database refused (a concurrent insert), naming the owner if it is visible."""
    existing = variant_with_sku(account_id, sku)
    return sku_taken_message(existing) if existing else f"SKU {sku} is already used in this account."


class VariantForm(FlaskForm):
    sku = StringField(
        "SKU",
        filters=[strip],
        validators=[DataRequired(message="Enter a SKU."), Length(max=100), no_control_characters],
    )
    title = StringField(
        "Title", filters=[strip], validators=[Optional(), Length(max=200), no_control_characters]
    )
    weight_g = _whole("Weight (g)", MAX_WEIGHT_G)
    length_mm = _whole("Length (mm)", MAX_DIMENSION_MM)
    width_mm = _whole("Width (mm)", MAX_DIMENSION_MM)
    height_mm = _whole("Height (mm)", MAX_DIMENSION_MM)

    def __init__(self, account_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._account_id = account_id

    def validate_sku(self, field) -> None:
        if field.errors:
            return
        if len(sku_key(field.data)) > 100:
            raise ValidationError("Field cannot be longer than 100 characters.")
        existing = variant_with_sku(self._account_id, field.data)
        if existing is not None:
            raise ValidationError(sku_taken_message(existing))

    def variant_data(self) -> dict:
        return {name: self[name].data for name in VARIANT_FIELDS}


class ProductForm(VariantForm):
    name = StringField(
        "Product name",
        filters=[strip],
        validators=[DataRequired(message="Enter a name."), Length(max=200), no_control_characters],
    )


def _warehouse_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class StockForm(FlaskForm):
    """Set on hand of one variant in one of the account's enabled warehouses (allocated comes from orders)."""

    warehouse_id = SelectField(
        "Warehouse",
        coerce=_warehouse_id,
        validate_choice=False,
        validators=[InputRequired("Choose a warehouse.")],
    )
    on_hand = _whole("On hand", MAX_STOCK, required=True)
    reason = StringField(
        "Reason", filters=[strip], validators=[Optional(), Length(max=200), no_control_characters]
    )

    def __init__(self, warehouses, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._warehouses = {warehouse.id: warehouse for warehouse in warehouses}
        self.warehouse_id.choices = [(w.id, f"{w.code} · {w.name}") for w in warehouses]
        self.warehouse = None  # set by validation: the chosen, enabled warehouse

    def validate_warehouse_id(self, field) -> None:
        self.warehouse = self._warehouses.get(field.data)
        if self.warehouse is None:
            raise ValidationError("Choose a warehouse enabled for this account.")


class StockCsvForm(FlaskForm):
    """A CSV file of stock levels (Warehouse, SKU, On hand) to set in one go."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
