"""services.channels.creation: the wizard's create, on the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, ChannelType, InventoryMode, ScheduleStart
from models.tenancy import Role
from services.channels import creation, token_vault


def new_channel(world, shop_domain: str, first_import: creation.FirstImport) -> creation.NewChannel:
    return creation.NewChannel(
        account_id=world.a.account.id,
        channel_type=ChannelType.BRIGHTSITES,
        name="Created store",
        shop_domain=shop_domain,
        token="TKN_created_1234",
        token_can_write=True,
        order_statuses=["paid"],
        import_since=None,
        inventory_mode=InventoryMode.DO_NOT_SYNC,
        timezone="UTC",
        first_import=first_import,
    )


@pytest.mark.parametrize(
    ("first_import", "schedule_start", "scheduled"),
    [
        (creation.FirstImport.NOW, ScheduleStart.AT_ONCE, True),
        (creation.FirstImport.SCHEDULE, ScheduleStart.AFTER_INTERVAL, True),
        (creation.FirstImport.LATER, ScheduleStart.AFTER_FIRST_IMPORT, False),
    ],
)
def test_first_import_sets_the_schedule_start(world, first_import, schedule_start, scheduled):
    owner = world.a.users[Role.ORG_OWNER]
    channel = creation.create(new_channel(world, "created.mybrightsites.com", first_import), owner)
    db.session.commit()
    assert channel.id is not None
    assert channel.schedule_start == schedule_start
    assert (channel.import_orders_every is not None) == scheduled
    assert token_vault.decrypt(channel.token_ciphertext) == "TKN_created_1234"
    assert channel.token_last4 == "1234"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.channel_id == channel.id)).one()
    assert (audit.action, audit.user_id, audit.new_value) == ("channel_created", owner.id, first_import.value)


def test_a_store_another_channel_has_is_refused(world):
    taken = world.b.channel.shop_domain
    with pytest.raises(creation.ShopDomainTaken):
        creation.create(new_channel(world, taken, creation.FirstImport.LATER), world.a.users[Role.ORG_OWNER])
    db.session.rollback()
