"""Revision 030099a794a3 made alerts possible without a channel (a webhook endpoint disabled). Its downgrade
deletes those account-level alerts (the old schema cannot hold them) and keeps every channel alert; upgrading
again works. A database of its own (its own schema on PostgreSQL), seeded with the demo."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.channels import SalesChannel
from models.tenancy import Account
from tests.support.migration_databases import empty_database_app

REVISION, BEFORE = "030099a794a3", "f10722a573b6"


@pytest.fixture
def seeded_app(tmp_path, redis_url):
    with empty_database_app(tmp_path, redis_url) as app:
        upgrade()  # head: the demo seed writes with the newest models
        from cli.demo_seed import seed

        seed()
        account = db.session.scalars(db.select(Account)).first()
        db.session.add(
            SalesChannel(
                account=account, name="Alerts", shop_domain="alerts.mybrightsites.com", timezone="UTC"
            )
        )
        db.session.commit()
        yield app


def add_alert(channel_id: int | None, kind: str) -> None:
    db.session.execute(
        text(
            "INSERT INTO alert (account_id, channel_id, kind, subject, body, created_at, delivery, error)"
            " VALUES ((SELECT account_id FROM sales_channel), :channel, :kind, 's', 'b',"
            " CURRENT_TIMESTAMP, '', '')"
        ),
        {"channel": channel_id, "kind": kind},
    )


def test_downgrade_deletes_account_level_alerts_only_and_upgrades_again(seeded_app):
    channel_id = db.session.execute(text("SELECT MIN(id) FROM sales_channel")).scalar_one()
    assert channel_id is not None
    add_alert(channel_id, "unhealthy")
    add_alert(None, "webhook_disabled")
    db.session.commit()

    downgrade(revision=BEFORE)
    db.session.remove()
    kinds = db.session.execute(text("SELECT kind, channel_id FROM alert")).all()
    assert [tuple(row) for row in kinds] == [("unhealthy", channel_id)]
    with pytest.raises(IntegrityError, match="(?i)not.null"):  # the old schema indeed refuses them
        add_alert(None, "webhook_disabled")
        db.session.commit()
    db.session.rollback()

    upgrade()
    db.session.remove()
    add_alert(None, "webhook_disabled")
    db.session.commit()
    assert db.session.execute(text("SELECT COUNT(*) FROM alert")).scalar_one() == 2
