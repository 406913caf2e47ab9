"""One mapping of a channel by id (carrier or SKU): another channel's id finds nothing."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from extensions import db
from models.mappings import CarrierMapping, SkuMapping

Mapping = TypeVar("Mapping", CarrierMapping, SkuMapping)


def mapping_of_channel(channel_id: int, model: type[Mapping], mapping_id: int) -> Mapping | None:
    return db.session.scalar(select(model).where(model.id == mapping_id, model.channel_id == channel_id))
