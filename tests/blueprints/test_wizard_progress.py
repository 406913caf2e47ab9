"""The wizard's address carries its draft and step: a reload or Back shows the step with what the draft holds;
a step is shown only once the earlier ones passed; someone else's draft is never shown."""

from __future__ import annotations

import re

from models.tenancy import Role
from tests.support import channel_steps as wizard
from tests.support.world import ROLE_EMAILS


def current_step(html: str) -> str:
    return re.search(r"aria-current=step>([^<]+)<", html).group(1)


def test_a_reload_shows_the_step_reached(client, login, world, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    draft = wizard.start(client)
    assert current_step(client.get(f"/channels/new/?draft={draft}&step=options").text) == "2. Connection"
    answer = wizard.connect(
        client, draft, name="Reloaded", shop_domain=bs_store.subdomain, token=bs_store.token
    )
    assert answer.headers.get("HX-Push-Url") == f"/channels/new/?draft={draft}&step=options"
    assert current_step(client.get(f"/channels/new/?draft={draft}").text) == "3. First options"
    back = client.get(f"/channels/new/?draft={draft}&step=connection").text
    assert current_step(back) == "2. Connection" and 'value="Reloaded"' in back
    assert bs_store.token not in back


def test_someone_elses_draft_starts_a_new_one(client, login, world, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    draft = wizard.start(client)
    wizard.connect(client, draft, name="Mine", shop_domain=bs_store.subdomain, token=bs_store.token)
    client.post("/logout")
    login(ROLE_EMAILS[Role.ORG_OWNER])
    html = client.get(f"/channels/new/?draft={draft}&step=options").text
    assert current_step(html) == "1. Channel type" and "Mine" not in html
