"""Forms of the channel wizard and of the channel page's sections."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from connectors.brightsites import statuses
from connectors.brightsites.errors import InvalidShopDomain
from connectors.brightsites.hosts import normalise_shop_domain
from extensions import db
from forms.time_zones import TimeZoneField
from forms.validators import NumberRange, ascii_token, no_control_characters, optional_int
from models.channels import (
    DEFAULT_IMPORT_EVERY,
    ChannelStatus,
    DimensionUnit,
    InitialOrderStatus,
    InventoryMode,
    SalesChannel,
    ShipmentStoreStatus,
    WeightUnit,
)

SCHEDULE_LABELS = [
    (None, "None (never)"),
    (5, "Every 5 minutes"),
    (15, "Every 15 minutes"),
    (30, "Every 30 minutes"),
    (60, "Hourly"),
    (1440, "Daily"),
]
IMPORTABLE_STATUSES = statuses.importable_choices()


def _choices(enum_cls, labels: dict | None = None) -> list[tuple[str, str]]:
    return [(m.value, (labels or {}).get(m, m.value.replace("_", " ").capitalize())) for m in enum_cls]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def shop_domain_in_use(domain: str, *, except_channel_id: int | None = None) -> bool:
    query = select(SalesChannel.id).where(
        SalesChannel.shop_domain == domain, SalesChannel.deleted_at.is_(None)
    )
    if except_channel_id is not None:
        query = query.where(SalesChannel.id != except_channel_id)
    return db.session.scalar(query.limit(1)) is not None


class ShopDomainField(StringField):
    """Typed as `mystore`, a host or a URL; data becomes the normalised host, or stays raw when invalid."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()


def _validate_shop_domain(form, field) -> None:
    try:
        field.data = normalise_shop_domain(
            field.data, frozenset(current_app.config["BRIGHTSITES_EXTRA_HOSTS"])
        )
    except InvalidShopDomain as error:
        raise ValidationError(str(error)) from None
    if shop_domain_in_use(field.data, except_channel_id=getattr(form, "channel_id", None)):
        raise ValidationError(f"{field.data} is already used by another sales channel.")


class ChannelTypeForm(FlaskForm):
    channel_type = SelectField(
        "Channel type", choices=[("brightsites", "Bright Sites")], validators=[DataRequired()]
    )


class ConnectionForm(FlaskForm):
    """Wizard step 2. The token may be left blank when the draft already holds one (never shown back)."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120), no_control_characters])
    shop_domain = ShopDomainField(
        "Shop Domain", validators=[DataRequired(), Length(max=253), _validate_shop_domain]
    )
    access_token = PasswordField(
        "Access Token", validators=[Length(max=512), no_control_characters, ascii_token]
    )

    def __init__(self, *args, token_kept: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.token_kept = token_kept

    def validate_access_token(self, field) -> None:
        field.data = (field.data or "").strip()
        if not field.data and not self.token_kept:
            raise ValidationError("Enter the store's API access token.")
        if field.data and len(field.data) < 8:
            raise ValidationError("This is too short to be a Bright Sites access token.")


def recheck_connection(name: str, shop_domain: str, token: str) -> ConnectionForm:
    """Step 2's rules applied again to what a draft holds, right before a channel is created from it: the
    form carries any errors, and the shop domain normalised. Not a request's form, so no CSRF token."""
    form = ConnectionForm(
        formdata=None,
        data={"name": name, "shop_domain": shop_domain, "access_token": token},
        meta={"csrf": False},
    )
    form.validate()
    return form


class FirstOptionsForm(FlaskForm):
    """Wizard step 3: what to import and whether to publish stock."""

    order_statuses = MultiCheckboxField(
        "Statuses to import",
        choices=IMPORTABLE_STATUSES,
        default=["paid"],
        validators=[DataRequired(message="Choose at least one status.")],
    )
    import_since = DateField("Import orders created on or after", validators=[Optional()])
    inventory_mode = SelectField(
        "Inventory synchronisation",
        choices=_choices(
            InventoryMode,
            {
                InventoryMode.DO_NOT_SYNC: "Do not synchronise",
                InventoryMode.ABSOLUTE: "Synchronise absolute quantities",
            },
        ),
        default=InventoryMode.DO_NOT_SYNC.value,
    )
    # When the first import runs; "later" leaves the schedule off until a first import by hand.
    first_import = RadioField(
        "First order import",
        choices=[
            ("now", f"Now, then every {DEFAULT_IMPORT_EVERY} minutes"),
            ("schedule", f"On schedule: the first import in {DEFAULT_IMPORT_EVERY} minutes, then as often"),
            (
                "later",
                "Later: nothing runs on its own until you import by hand; that first import switches "
                f"scheduled imports on (every {DEFAULT_IMPORT_EVERY} minutes)",
            ),
        ],
        default="later",
    )


class MainSettingsForm(FlaskForm):
    status = SelectField("Status", choices=_choices(ChannelStatus))
    import_orders_every = SelectField("Import orders", choices=SCHEDULE_LABELS, coerce=optional_int)
    export_shipments_every = SelectField("Export shipments", choices=SCHEDULE_LABELS, coerce=optional_int)
    export_inventory_every = SelectField("Export inventory", choices=SCHEDULE_LABELS, coerce=optional_int)
    import_products_every = SelectField("Import products", choices=SCHEDULE_LABELS, coerce=optional_int)


class AdvancedSettingsForm(FlaskForm):
    order_statuses = FirstOptionsForm.order_statuses
    import_lag_minutes = IntegerField(
        "Import lag (minutes)", validators=[InputRequired(), NumberRange(0, 1440)]
    )
    import_since = DateField("Import orders created on or after", validators=[Optional()])
    order_number_prefix = StringField(
        "Order number prefix", validators=[Length(max=20), no_control_characters]
    )
    initial_order_status = SelectField("Initial order status", choices=_choices(InitialOrderStatus))
    detail_concurrency = IntegerField(
        "Store calls in parallel (order details, shipments)", validators=[InputRequired(), NumberRange(1, 8)]
    )
    shipment_store_status = SelectField(
        "Store order status after a shipment",
        choices=[
            (
                status.value,
                statuses.label(status) if status != ShipmentStoreStatus.NONE else "Leave unchanged",
            )
            for status in ShipmentStoreStatus
        ],
    )
    send_shipping_confirmation = BooleanField("Send the customer a shipping confirmation")
    update_order_with_last_shipment = SelectField(
        "Update order with last shipment information", choices=[("no", "No"), ("yes", "Yes")]
    )
    acknowledge_when_fulfilment_starts = BooleanField(
        "Mark orders In progress on the store when fulfilment starts"
    )
    inventory_mode = FirstOptionsForm.inventory_mode
    inventory_buffer = IntegerField("Safety buffer", validators=[InputRequired(), NumberRange(0, 1_000_000)])
    inventory_max = IntegerField(
        "Maximum quantity to publish", validators=[Optional(), NumberRange(0, 10_000_000)]
    )
    inventory_sold_out_at = IntegerField(
        "Sold out at or below", validators=[Optional(), NumberRange(0, 1_000_000)], default=0
    )
    timezone = TimeZoneField("Timezone")
    currency = StringField(
        "Store currency",
        filters=[lambda value: value.strip().upper() if isinstance(value, str) else value],
        validators=[
            Optional(),
            Regexp(r"^[A-Z]{3}\Z", message="Enter the three-letter ISO 4217 code, such as USD, EUR or GBP."),
        ],
    )
    weight_unit = SelectField("Weight unit", choices=_choices(WeightUnit, {u: u.value for u in WeightUnit}))
    dimension_unit = SelectField(
        "Dimension unit", choices=_choices(DimensionUnit, {u: u.value for u in DimensionUnit})
    )


class TokenForm(FlaskForm):
    access_token = PasswordField(
        "New access token",
        validators=[DataRequired(), Length(min=8, max=512), no_control_characters, ascii_token],
    )


class GeneralForm(FlaskForm):
    """Name and store. Moving to another store may bring that store's access token along (tested there, and
    saved with the move); blank keeps the channel's token."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120), no_control_characters])
    shop_domain = ShopDomainField(
        "Shop Domain", validators=[DataRequired(), Length(max=253), _validate_shop_domain]
    )
    access_token = PasswordField(
        "Access token for the new store",
        filters=[lambda value: (value or "").strip()],
        validators=[Optional(), Length(min=8, max=512), no_control_characters, ascii_token],
    )

    def __init__(self, *args, channel_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel_id = channel_id


class PrivacyForm(FlaskForm):
    pii_retention_days = IntegerField(
        "PII retention threshold (days)",
        validators=[Optional(), NumberRange(1, 3650)],
        description="Blank keeps customer data. Otherwise names, addresses, emails and phone numbers are "
        "removed this many days after an order is closed (shipped or cancelled).",
    )
    # Ticked in the confirmation shown when a lower threshold would make orders due at the next purge.
    confirm_purge = BooleanField("Purge these orders' customer data at the next run")


class DeleteChannelForm(FlaskForm):
    confirm_name = StringField(
        "Type the channel's name to confirm", validators=[DataRequired(), Length(max=120)]
    )

    def __init__(self, *args, channel_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel_name = channel_name

    def validate_confirm_name(self, field) -> None:
        if field.data.strip() != self.channel_name:
            raise ValidationError("The name does not match; the channel was not deleted.")
