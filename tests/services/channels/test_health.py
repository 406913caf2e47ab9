"""services.channels.health gives facts and how each weighs, no colours or DOM ids (the channel page's
health_panel presenter decides those)."""

from __future__ import annotations

from datetime import timedelta

from blueprints.channel_page import health_panel
from extensions import db
from models.base import utcnow
from services.channels import health
from services.channels.health import Severity


def facts_of(channel) -> health.ChannelHealth:
    return health.of_channels([channel], {}, now=utcnow(), failing_after=timedelta(minutes=30))[channel.id]


def test_a_refused_token_is_bad_and_named_by_fact(world):
    channel = world.a.channel
    channel.token_refused_at = utcnow()
    db.session.commit()
    facts = facts_of(channel)
    assert facts.headline.severity == Severity.BAD and facts.unhealthy
    rows = {row.fact: row for row in facts.rows}
    assert rows["token"].severity == Severity.BAD and rows["token"].value == "Refused"
    assert rows["breaker"].severity == Severity.BAD
    assert {"last_import_orders", "failed_orders", "unsent_shipments", "unpushed_stock"} <= rows.keys()


def test_a_new_channel_has_nothing_to_judge_yet(world):
    facts = facts_of(world.a.channel)
    assert (facts.headline.severity, facts.headline.label) == (Severity.UNKNOWN, "No import yet")
    assert not facts.unhealthy


def test_the_panel_gives_each_weight_its_colour_and_each_fact_its_test_id(world):
    world.a.channel.token_can_write = False
    db.session.commit()
    panel = health_panel.present(facts_of(world.a.channel))
    rows = {row.key: row for row in panel.rows}
    assert rows["health-token"].level == "warning"  # read-only: attention
    assert rows["health-last-import-orders"].level == "secondary"
    assert panel.headline.level == "secondary"
