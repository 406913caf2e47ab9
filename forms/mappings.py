"""Forms of the mapping views: a warehouse's identifier, a carrier mapping, a SKU mapping, Auto-map's ticked
proposals, a CSV file.

Uniqueness is checked here (a message next to the field); the database constraint still decides between two
concurrent writers, and the view turns its IntegrityError into the same message.
"""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from forms.products import strip
from forms.validators import no_control_characters
from models.catalog import CarrierService, sku_key
from models.channels import SalesChannel
from models.mappings import CODE_LENGTH, IDENTIFIER_LENGTH, SKU_LENGTH, CarrierMapping, SkuMapping
from services.mappings import carriers, sku_lists
from services.mappings import skus as sku_mappings


class WarehouseIdentifierForm(FlaskForm):
    external_identifier = StringField(
        "External Identifier",
        filters=[strip],
        validators=[Optional(), Length(max=IDENTIFIER_LENGTH), no_control_characters],
    )


MAX_ID = 2_147_483_647


def _int_or_none(value) -> int | None:
    """A database id from form text; anything else (including ids no row can have) is None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


class CarrierMappingForm(FlaskForm):
    carrier_channel_code = StringField(
        "Carrier Channel Code",
        filters=[strip],
        validators=[
            DataRequired("Enter the store's shipping method name."),
            Length(max=CODE_LENGTH),
            no_control_characters,
        ],
    )
    service_channel_code = StringField(
        "Service Channel Code",
        filters=[strip],
        validators=[Optional(), Length(max=CODE_LENGTH), no_control_characters],
    )
    carrier_id = SelectField(
        "Carrier System Code",
        coerce=_int_or_none,
        validate_choice=False,
        validators=[InputRequired("Choose a carrier.")],
    )
    carrier_service_id = SelectField(
        "Service System Code",
        coerce=_int_or_none,
        validate_choice=False,
        validators=[InputRequired("Choose a service.")],
    )
    is_primary = BooleanField("Primary")

    def __init__(
        self,
        channel: SalesChannel,
        services: list[CarrierService],
        mapping: CarrierMapping | None = None,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self._channel, self._mapping = channel, mapping
        self._services = {service.id: service for service in services}
        carriers = {service.carrier.id: service.carrier for service in services}
        self._carriers = carriers
        self.carrier_id.choices = [("", "Choose…")] + [
            (c.id, f"{c.code} · {c.name}") for c in carriers.values()
        ]
        # Only the chosen carrier's services are offered (all of them until a carrier is chosen); the choice
        # is checked again in validate_carrier_service_id, as a form posted without JS may pair any two.
        chosen = self.carrier_id.data if self.carrier_id.data in carriers else None
        self.carrier_service_id.choices = [("", "Choose…" if chosen is None else "Choose a service…")] + [
            (s.id, f"{s.carrier.code} / {s.code} · {s.name}")
            for s in services
            if chosen is None or s.carrier_id == chosen
        ]
        self.carrier_service: CarrierService | None = None  # set by validation

    def validate_carrier_channel_code(self, field) -> None:
        if field.errors:
            return
        existing = carriers.find_carrier_mapping(
            self._channel,
            field.data,
            self.service_channel_code.data,
            excluding=self._mapping.id if self._mapping else None,
        )
        if existing is not None:
            raise ValidationError(
                f"{carriers.channel_codes(existing)} is already mapped on this channel "
                f"(to {carriers.describe(existing)})."
            )

    def validate_carrier_service_id(self, field) -> None:
        service = self._services.get(field.data)
        if service is None:
            raise ValidationError("Choose a service of techOMS.")
        if service.carrier_id != self.carrier_id.data:
            chosen = self._carriers.get(self.carrier_id.data)
            if chosen is None:
                raise ValidationError("Choose the carrier first, then one of its services.")
            raise ValidationError(
                f"{service.carrier.code} / {service.code} is a service of {service.carrier.code}, not of "
                f"{chosen.code}: choose one of {chosen.code}'s services."
            )
        self.carrier_service = service

    def validate_is_primary(self, field) -> None:
        code = f"{self.carrier_channel_code.data or ''}{self.service_channel_code.data or ''}"
        if field.data and "*" in code:
            raise ValidationError("A wildcard code cannot be primary: it cannot be sent to the store.")


class SkuMappingForm(FlaskForm):
    channel_sku = StringField(
        "Sales Channel SKU",
        filters=[strip],
        validators=[
            DataRequired("Enter the SKU as the store writes it."),
            Length(max=SKU_LENGTH),
            no_control_characters,
        ],
    )
    variant_id = HiddenField("Product Variant")

    def __init__(self, channel: SalesChannel, mapping: SkuMapping | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._channel, self._mapping = channel, mapping
        self.variant = None  # set by validation: the chosen variant of the channel's account

    def validate_channel_sku(self, field) -> None:
        if field.errors:
            return
        if len(sku_key(field.data)) > SKU_LENGTH:
            raise ValidationError(f"Field cannot be longer than {SKU_LENGTH} characters.")
        existing = sku_mappings.find_mapping(
            self._channel, field.data, excluding=self._mapping.id if self._mapping else None
        )
        if existing is not None:
            raise ValidationError(f"{existing.channel_sku} is already mapped to {existing.variant.sku}.")

    def validate_variant_id(self, field) -> None:
        self.variant = sku_lists.account_variant(self._channel, _int_or_none(field.data))
        if self.variant is None:
            raise ValidationError("Choose a product variant: search by SKU or product name, then pick one.")


MAX_PROPOSALS = 2_000


class ProposalsField(Field):
    """Ticked Auto-map proposals, each posted as `variant id|channel SKU` (read up to the first `|`: the SKU
    may hold one). Values that are not such a pair, or whose SKU no mapping could hold, are dropped."""

    def process_formdata(self, valuelist) -> None:
        self.data = []
        for value in valuelist[:MAX_PROPOSALS]:
            variant, _, sku = value.partition("|")
            variant_id, sku = _int_or_none(variant), sku.strip()
            if (
                variant_id
                and sku_key(sku)
                and len(sku) <= SKU_LENGTH
                and not any(unicodedata.category(char) == "Cc" for char in sku)
            ):
                self.data.append((variant_id, sku))


class AutoMapConfirmForm(FlaskForm):
    proposal = ProposalsField("Proposals")

    def validate_proposal(self, field) -> None:
        if not field.data:
            raise ValidationError("Tick at least one proposed match to map it.")


class CsvImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
