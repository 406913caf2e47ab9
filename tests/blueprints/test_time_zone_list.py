"""The Timezone select lists the world's IANA zones and UTC, not the tz database's aliases; a channel already
on an alias keeps it offered, so saving the Advanced settings never changes its zone."""

from __future__ import annotations

from extensions import db
from models.tenancy import Role
from tests.support.world import ROLE_EMAILS


def test_the_list_has_no_aliases(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get(f"/channels/{world.a.channel.id}/advanced").text
    assert '<option value="Europe/London">' in page and '<option selected value="UTC">' in page
    for alias in ("Factory", "GB-Eire", "Zulu", "US/Eastern", "Etc/GMT+5"):
        assert f'value="{alias}"' not in page


def test_a_channel_on_an_alias_keeps_it(client, login, world):
    channel = world.a.channel
    channel.timezone = "US/Eastern"
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get(f"/channels/{channel.id}/advanced").text
    assert '<option selected value="US/Eastern">' in page
