"""The channel list shows each channel's health and failed-order count at a glance (issue 14, item 14), in
the same number of queries whatever the number of channels."""

from __future__ import annotations

import re

from extensions import db
from models.activity import EventLevel, PendingOrder, RunStatus, SyncAction, SyncTrigger
from models.base import utcnow
from models.channels import SalesChannel
from models.tenancy import Role
from sync import runs
from tests.support.queries import page_statements
from tests.support.world import ROLE_EMAILS, add_channel


def ended_run(of: SalesChannel, status: RunStatus, message: str = "") -> None:
    run = runs.new_run(of, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)  # a past run, ended below
    db.session.add(run)
    db.session.flush()
    runs.finish(
        run, runs.Outcome(status, message or "done", EventLevel.ERROR if message else EventLevel.INFO)
    )


def waiting(of: SalesChannel, count: int) -> None:
    db.session.add_all(
        PendingOrder(channel_id=of.id, external_id=n, number=str(n), reason="x") for n in range(1, count + 1)
    )
    db.session.commit()


def health_cells(html: str) -> dict[str, str]:
    rows = re.findall(r"<tr>\s*<td><a [^>]*>([^<]+)</a></td>(.*?)</tr>", html, re.S)
    return {
        name: " ".join(re.search(r'data-testid="channel-health"[^>]*>([^<]+)<', cells).group(1).split())
        for name, cells in rows
    }


def test_each_channel_shows_its_health(client, login, world):
    refused = add_channel(world, "Refused", token_refused_at=utcnow())
    ended_run(refused, RunStatus.SUCCEEDED)
    broken = add_channel(world, "Broken")
    ended_run(broken, RunStatus.FAILED, "The store answered 500 three times. No attempts left.")
    waiting(broken, 3)
    failing = add_channel(world, "Failing")
    ended_run(failing, RunStatus.PARTIAL)
    waiting(failing, 1234)
    healthy = add_channel(world, "Healthy")
    ended_run(healthy, RunStatus.SUCCEEDED)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get("/channels/").data.decode()
    assert "<th>Health</th>" in page
    cells = health_cells(page)
    assert cells["Refused"] == "Token refused"
    assert cells["Broken"] == "Last run failed"
    assert cells["Failing"] == "1,234 failed orders"
    assert cells["Healthy"] == "OK"
    assert cells[world.a.channel.name] == "No import yet"
    assert "No attempts left" in page  # the failure's reason, as the badge's title
    assert f'href="/channels/{failing.id}/sync/failed-orders"' in page
    assert f'href="/channels/{broken.id}/sync/failed-orders"' in page and "3 failed orders" in page
    assert f'href="/channels/{healthy.id}/sync/failed-orders"' not in page


def test_health_costs_the_same_queries_for_any_number_of_channels(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    ended_run(world.a.channel, RunStatus.PARTIAL)
    waiting(world.a.channel, 2)
    few = len(page_statements(client, "/channels/"))
    for n in range(6):
        more = add_channel(world, f"More {n}")
        ended_run(more, RunStatus.FAILED if n % 2 else RunStatus.PARTIAL, "failed" if n % 2 else "")
        waiting(more, n + 1)
    statements = page_statements(client, "/channels/")
    assert len(statements) == few
    assert sum("pending_order" in statement for statement in statements) == 1
