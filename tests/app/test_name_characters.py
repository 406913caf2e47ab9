"""Names are one showable line (issue 26, 3): a line or paragraph separator (U+2028/U+2029), a control or an
invisible format character is refused in every name field; an alert whose stored subject still holds one is
delivered anyway (headers are built from one line), and a delivery that fails is tried again and shown as
failed on the Outbox, never "Queued" for ever."""

from __future__ import annotations

from email import message_from_bytes

import pytest
from sqlalchemy import select

from extensions import db
from jobs.alert_jobs import evaluate_alerts
from models.alerts import Alert, AlertSettings
from models.api_keys import ApiKey
from models.base import utcnow
from models.channels import SalesChannel
from models.mappings import SkuMapping
from models.tenancy import Role, User
from tests.support.sync import work
from tests.support.world import ROLE_EMAILS

BAD_NAMES = ["Line\u2028separator", "Para\u2029graph", "Bidi\u202eoverride", "Zero\u200bwidth", "Tab\tname"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_every_name_field_refuses_unshown_characters(client, world, login, name):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    general = client.post(
        f"/channels/{channel.id}/general", data={"name": name, "shop_domain": channel.shop_domain}
    )
    assert general.status_code == 422 and b"Remove control characters" in general.data
    user = client.post("/users/new", data={"email": "sep@a.test", "name": name, "role": "account_user"})
    assert b"Remove control characters" in user.data
    key = client.post("/api-keys/", data={"name": name})
    assert key.status_code == 422 and b"Remove control characters" in key.data
    sku = client.post(
        f"/channels/{channel.id}/mappings/skus", data={"channel_sku": name, "variant_id": world.a.variant.id}
    )
    assert sku.status_code == 422 and b"Remove control characters" in sku.data
    db.session.expire_all()
    assert db.session.get(SalesChannel, channel.id).name != name
    assert db.session.scalar(select(User).where(User.email == "sep@a.test")) is None
    assert db.session.scalar(select(ApiKey).where(ApiKey.name == name)) is None
    assert db.session.scalar(select(SkuMapping).where(SkuMapping.channel_sku == name)) is None


@pytest.fixture
def outbox(app, tmp_path):
    app.config.update(ALERT_OUTBOX=str(tmp_path / "outbox"), SMTP_HOST="")
    return tmp_path / "outbox"


def _unhealthy_alert(world) -> Alert:
    db.session.add(AlertSettings(account_id=world.a.account.id, recipients="ops@example.com"))
    world.a.channel.token_refused_at = utcnow()
    db.session.commit()
    assert evaluate_alerts() == 1
    return db.session.scalar(select(Alert).where(Alert.channel_id == world.a.channel.id))


def test_a_separator_kept_in_an_older_name_does_not_stop_the_alert(app, world, outbox):
    db.session.get(SalesChannel, world.a.channel.id).name = "Old\u2028name\u2029here"  # saved before the rule
    db.session.commit()
    alert = _unhealthy_alert(world)
    work()
    db.session.refresh(alert)
    assert alert.sent_at is not None and alert.error == "", alert.error
    (written,) = outbox.iterdir()
    message = message_from_bytes(written.read_bytes())
    assert message["Subject"] == "techOMS: Old name here is unhealthy"
    assert message["To"] == "ops@example.com" and len(message.keys()) == len(set(message.keys()))


def test_a_failed_delivery_is_tried_again_and_shown_as_failed(app, client, login, world, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the outbox folder should be")
    app.config.update(ALERT_OUTBOX=str(blocked), SMTP_HOST="", SYNC_RETRY_INTERVALS=[0, 0])
    alert = _unhealthy_alert(world)
    work()  # the first try and both retries
    db.session.refresh(alert)
    assert alert.sent_at is not None and alert.delivery == ""
    assert alert.error == "E-mail not sent (FileExistsError)."
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get("/alerts/outbox").text
    assert "E-mail not sent (FileExistsError)." in page and "Queued" not in page


def test_an_alert_waiting_for_its_next_try_says_it_failed(app, client, login, world, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    app.config.update(ALERT_OUTBOX=str(blocked), SMTP_HOST="", SYNC_RETRY_INTERVALS=[600])
    alert = _unhealthy_alert(world)
    work()  # the first try; the retry waits ten minutes
    db.session.refresh(alert)
    assert alert.sent_at is None and "Trying again." in alert.error
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get("/alerts/outbox").text
    assert "Not delivered yet: E-mail not sent (FileExistsError). Trying again." in page
    assert "Queued" not in page
