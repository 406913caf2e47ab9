"""The channel page: views, section saves with audit, the Shop Domain rule, token replacement, delete, which
forms an answer builds, the store lists forgotten when the store moves."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import time_machine
from flask import template_rendered
from jinja2_fragments.flask import template_block_rendered
from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, ChannelStatus, InventoryMode, SalesChannel
from models.tenancy import Role
from services.channels import reference_cache
from tests.support import channel_steps as wizard
from tests.support.channel_steps import ADVANCED
from tests.support.world import PASSWORD, ROLE_EMAILS


def fresh(channel: SalesChannel) -> SalesChannel:
    db.session.expire_all()
    return db.session.get(SalesChannel, channel.id)


def test_views_render_full_pages_and_htmx_fragments(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    channel = world.a.channel
    for view in ("main", "advanced", "history"):
        page = client.get(f"/channels/{channel.id}/{view}")
        assert page.status_code == 200 and b"<html" in page.data and b'id="view-tabs"' in page.data
        fragment = client.get(f"/channels/{channel.id}/{view}", headers={"HX-Request": "true"})
        assert (
            fragment.status_code == 200
            and b"<html" not in fragment.data
            and b'id="view-tabs"' in fragment.data
        )
        assert "HX-Request" in fragment.headers["Vary"]
    assert client.get(f"/channels/{channel.id}").headers["Location"].endswith("/main")
    assert client.get(f"/channels/{channel.id}/secret").status_code == 404


def test_account_user_sees_the_page_read_only(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/channels/{world.a.channel.id}/advanced").data
    assert b"<fieldset disabled" in page
    assert b"Save advanced settings" not in page and b'id="quick-save"' not in page
    assert b"Replace token" not in page
    response = client.post(f"/channels/{world.a.channel.id}/advanced", data=ADVANCED)
    assert response.status_code == 403


def test_save_advanced_settings_is_audited_and_shown_in_history(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    response = client.post(f"/channels/{channel.id}/advanced", data=ADVANCED, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"Saved 13 changes." in response.data and b"<html" not in response.data
    channel = fresh(channel)
    assert channel.inventory_mode == InventoryMode.ABSOLUTE and channel.inventory_max == 500
    assert channel.update_order_with_last_shipment is True and channel.timezone == "Europe/London"
    assert channel.order_statuses == ["paid", "in_progress"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.channel_id == channel.id)).all()
    changed = {e.field: (e.old_value, e.new_value) for e in events}
    assert changed["inventory_mode"] == ("none", "absolute")
    assert changed["import_lag_minutes"] == ("30", "45")
    history = client.get(f"/channels/{channel.id}/history").data.decode()
    assert "Setting changed: Inventory synchronisation" in history and "accountadmin@a.test" in history
    again = client.post(f"/channels/{channel.id}/advanced", data=ADVANCED, headers={"HX-Request": "true"})
    assert b"Nothing to save" in again.data


def test_invalid_settings_re_render_with_messages_and_store_nothing(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    bad_values = [
        {"import_lag_minutes": "abc"},
        {"import_lag_minutes": "-5"},
        {"inventory_buffer": "1e9"},
        {"timezone": "Mars/Olympus_Mons"},
        {"weight_unit": "stone"},
        {"order_statuses": ["canceled"]},
        {"order_statuses": []},
        {"import_since": "yesterday"},
        {"order_number_prefix": "x" * 50},
        {"detail_concurrency": "99"},
        {"order_number_prefix": "<b>\x00</b>"},
    ]
    for bad in bad_values:
        response = client.post(
            f"/channels/{channel.id}/advanced", data={**ADVANCED, **bad}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 422, bad
        assert b"Nothing was saved" in response.data and b"invalid-feedback" in response.data, bad
    assert fresh(channel).inventory_mode == InventoryMode.DO_NOT_SYNC
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.channel_id == channel.id)) is None
    for bad in ({"status": "paused"}, {"import_orders_every": "7"}, {"import_orders_every": "x"}):
        form = {
            "status": "active",
            "import_orders_every": "30",
            "export_shipments_every": "30",
            "export_inventory_every": "1440",
            **bad,
        }
        assert client.post(f"/channels/{channel.id}/main", data=form).status_code == 422, bad


def test_save_main_without_htmx_redirects_with_a_message(client, world, login):
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    channel = world.a.channel
    form = {
        "status": "inactive",
        "import_orders_every": "None",
        "export_shipments_every": "15",
        "export_inventory_every": "60",
    }
    response = client.post(f"/channels/{channel.id}/main", data=form)
    assert response.status_code == 303
    assert b"Saved 4 changes." in client.get(response.headers["Location"]).data
    channel = fresh(channel)
    assert channel.status == ChannelStatus.INACTIVE and channel.import_orders_every is None


def test_supervisor_may_rename_but_not_move_the_store(client, world, login):
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    channel = world.a.channel
    page = client.get(f"/channels/{channel.id}/main").data
    assert b"readonly" in page and b"Only organization owners, organization admins and account admins" in page
    response = client.post(
        f"/channels/{channel.id}/general", data={"name": "Renamed", "shop_domain": channel.shop_domain}
    )
    assert response.status_code == 303 and fresh(channel).name == "Renamed"
    response = client.post(
        f"/channels/{channel.id}/general", data={"name": "Renamed", "shop_domain": "elsewhere"}
    )
    assert response.status_code == 422 and b"may change the Shop Domain" in response.data
    assert fresh(channel).shop_domain == "a1-store.mybrightsites.com"


def test_moving_the_store_retests_the_token(client, world, login, simulator, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel_id = wizard.create_channel(client, bs_store, name="Mover")
    # Another store does not know this token: refused.
    other = simulator.create_store(products=1, orders=0)
    response = client.post(
        f"/channels/{channel_id}/general", data={"name": "Mover", "shop_domain": other.subdomain}
    )
    assert response.status_code == 422 and b"did not accept this channel&#39;s token" in response.data
    # A store that does accept it: moved, and audited.
    twin = simulator.create_store(products=1, orders=0, token=bs_store.token)
    response = client.post(
        f"/channels/{channel_id}/general", data={"name": "Mover", "shop_domain": twin.subdomain}
    )
    assert response.status_code == 303
    assert db.session.get(SalesChannel, channel_id).shop_domain == twin.domain
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.field == "shop_domain")).new_value
        == twin.domain
    )


def test_replace_token(client, world, login, simulator, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel_id = wizard.create_channel(client, bs_store, name="Tokened")
    response = client.post(
        f"/channels/{channel_id}/token",
        data={"access_token": "not-the-right-token"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and b"The access token was refused" in response.data
    response = client.post(
        f"/channels/{channel_id}/token",
        data={"access_token": bs_store.readonly_token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f"Access token replaced (•••• {bs_store.readonly_token[-4:]})".encode() in response.data
    # It worked, with a limit: the read-only notice is a warning, not part of the green success.
    assert re.search(r"alert-warning[^>]*>Token is read-only", response.text)
    assert not re.search(r"alert-success[^>]*>[^<]*read-only", response.text)
    assert bs_store.readonly_token.encode() not in response.data
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token_replaced"))
    assert event.old_value == f"•••• {bs_store.token[-4:]}"
    assert event.new_value == f"•••• {bs_store.readonly_token[-4:]}"


def test_privacy_retention_bounds(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    for bad in ("0", "3651", "abc", "-1"):
        assert (
            client.post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": bad}).status_code
            == 422
        )
    assert (
        client.post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": "90"}).status_code == 303
    )
    assert fresh(channel).pii_retention_days == 90
    client.post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": ""})
    assert fresh(channel).pii_retention_days is None
    client.post("/logout")
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    assert client.post(f"/channels/{channel.id}/privacy", data={"pii_retention_days": "5"}).status_code == 403


def test_delete_needs_the_name_and_keeps_history(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    response = client.post(f"/channels/{channel.id}/delete", data={"confirm_name": "wrong"})
    assert response.status_code == 422 and b"The name does not match" in response.data
    response = client.post(f"/channels/{channel.id}/delete", data={"confirm_name": channel.name})
    assert response.status_code == 303
    channel = fresh(channel)
    assert channel.deleted_at is not None and channel.token_ciphertext == "" and channel.token_last4 == ""
    assert channel.import_orders_every is None and channel.status == ChannelStatus.INACTIVE
    assert client.get(f"/channels/{channel.id}/main").status_code == 404
    assert channel.name.encode() not in client.get("/channels/").data
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "channel_deleted")) is not None


def test_deleted_channel_frees_its_store(client, world, login, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    first = wizard.create_channel(client, bs_store, name="Old")
    client.post(f"/channels/{first}/delete", data={"confirm_name": "Old"})
    second = wizard.create_channel(client, bs_store, name="New")
    assert second != first


PUSH_FORMS = ("push_form", "push_action_form")  # Advanced settings › Order push (turn on; rotate and off)


@contextmanager
def forms_rendered(app):
    """The section forms in the context of each template or block rendered meanwhile."""
    seen: list[set[str]] = []

    def record(_sender, context, **_extra):
        seen.append({key for key in context if key.endswith("_form")})

    with template_rendered.connected_to(record, app), template_block_rendered.connected_to(record, app):
        yield seen


def test_a_section_reply_builds_only_its_own_form(app, client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    channel = world.a.channel
    htmx = {"HX-Request": "true"}
    posts = {
        "main": {
            "status": "active",
            "import_orders_every": "15",
            "export_shipments_every": "30",
            "export_inventory_every": "1440",
        },
        "advanced": ADVANCED,
        "general": {"name": "Renamed", "shop_domain": channel.shop_domain},
        "privacy": {"pii_retention_days": "abc"},
        "token": {"access_token": "short"},
    }
    for section, data in posts.items():
        with forms_rendered(app) as seen:
            response = client.post(f"/channels/{channel.id}/{section}", data=data, headers=htmx)
        assert response.status_code in (200, 422) and b"<html" not in response.data, section
        assert seen == [{f"{section}_form"}], section
    # A tab switch builds its view's forms; a full page also those beside the view.
    with forms_rendered(app) as seen:
        client.get(f"/channels/{channel.id}/advanced", headers=htmx)
    assert seen == [{"token_form", "advanced_form", *PUSH_FORMS}]
    with forms_rendered(app) as seen:
        client.get(f"/channels/{channel.id}/history")
    assert seen == [{"general_form", "privacy_form", "delete_form", "api_cost_form"}]
    with forms_rendered(app) as seen:
        client.post(f"/channels/{channel.id}/advanced", data={**ADVANCED, "import_lag_minutes": "-1"})
    assert seen == [
        {
            "token_form",
            "advanced_form",
            *PUSH_FORMS,
            "general_form",
            "privacy_form",
            "delete_form",
            "api_cost_form",
        }
    ]


def test_moving_the_store_forgets_the_old_stores_lists(client, world, login, simulator, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel_id = wizard.create_channel(client, bs_store, name="Mover")
    channel = db.session.get(SalesChannel, channel_id)
    old_skus = reference_cache.get(channel, "channel_skus").items
    twin = simulator.create_store(products=2, orders=0, seed=99, token=bs_store.token)
    with simulator.client(twin) as store_client:
        twin_skus = sorted(
            {row["final_sku"] for row in store_client.iter_inventories() if row.get("final_sku")}
        )
    assert old_skus and sorted(old_skus) != twin_skus
    response = client.post(
        f"/channels/{channel_id}/general", data={"name": "Mover", "shop_domain": twin.subdomain}
    )
    assert response.status_code == 303
    assert sorted(reference_cache.get(fresh(channel), "channel_skus").items) == twin_skus


def test_moving_to_another_store_with_its_token(client, world, login, simulator, bs_store):
    """Shop Domain and access token change together in one save: the token is tested on the new store, both
    are saved and audited, and the token never comes back in the page."""
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel_id = wizard.create_channel(client, bs_store, name="Mover")
    page = client.get(f"/channels/{channel_id}/main").text
    assert "Access token for the new store" in page  # in General, shown by app.js once the domain changes
    other = simulator.create_store(products=1, orders=0)
    url = f"/channels/{channel_id}/general"
    refused = client.post(
        url,
        data={"name": "Mover", "shop_domain": other.subdomain, "access_token": "wrong-token-1234"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and "refused the access token you entered" in refused.text
    assert "wrong-token-1234" not in refused.text and "data-new-store-token>" in refused.text  # shown
    response = client.post(
        url,
        data={"name": "Mover", "shop_domain": other.subdomain, "access_token": other.token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and f"Moved to {other.domain}" in response.text
    assert other.token not in response.text
    channel = db.session.get(SalesChannel, channel_id)
    assert channel.shop_domain == other.domain and channel.token_last4 == other.token[-4:]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.channel_id == channel_id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["setting_changed", "token_replaced"]


def test_a_token_in_general_needs_the_credentials_permission(client, world, login, bs_store):
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    channel = world.a.channel
    response = client.post(
        f"/channels/{channel.id}/general",
        data={"name": channel.name, "shop_domain": channel.shop_domain, "access_token": bs_store.token},
    )
    assert response.status_code == 422 and "may change the Shop Domain" in response.text
    assert fresh(channel).token_last4 == "2b7e41d8"[-4:]


def test_a_save_sends_the_header_again_out_of_band(client, world, login):
    """The header (title, breadcrumb, store, status badge) is outside the section a save swaps: the reply
    carries it again for htmx to swap out of band, and the page title with it."""
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel = world.a.channel
    htmx = {"HX-Request": "true"}
    renamed = client.post(
        f"/channels/{channel.id}/general",
        data={"name": "Renamed store", "shop_domain": channel.shop_domain},
        headers=htmx,
    ).text
    header = re.search(
        r'<header id="channel-header"[^>]*hx-swap-oob="true"[^>]*>(.*?)</header>', renamed, re.S
    )
    assert (
        header
        and "Renamed store" in header.group(1)
        and 'aria-current="page">Renamed store<' in header.group(1)
    )
    assert "<title>Renamed store · techOMS Sales Channels</title>" in renamed
    assert 'id="token-refused-notice" hx-swap-oob="true"' in renamed

    main = {"status": "inactive", "import_orders_every": "30", "export_shipments_every": "30"}
    inactive = client.post(
        f"/channels/{channel.id}/main", data={**main, "export_inventory_every": "1440"}, headers=htmx
    ).text
    header = re.search(
        r'<header id="channel-header"[^>]*hx-swap-oob="true"[^>]*>(.*?)</header>', inactive, re.S
    )
    assert ">Inactive<" in header.group(1) and ">Active<" not in header.group(1)

    refused = client.post(f"/channels/{channel.id}/main", data={**main, "status": "x"}, headers=htmx)
    assert refused.status_code == 422 and "channel-header" not in refused.text  # nothing changed


def test_a_stale_login_is_asked_for_the_password_in_place(client, world, login, simulator, bs_store):
    """htmx: the prompt goes into the page's re-authentication panel (nothing else is swapped, so what was
    typed stays); once confirmed, an event tells the page to send the form again. A plain post still goes to
    the re-authentication page."""
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False) as clock:
        login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
        channel_id = wizard.create_channel(client, bs_store, name="Stale")
        clock.shift(timedelta(minutes=15))
        twin = simulator.create_store(products=1, orders=0, token=bs_store.token)
        move = {"name": "Stale", "shop_domain": twin.subdomain}
        htmx = {"HX-Request": "true", "HX-Current-URL": f"http://localhost/channels/{channel_id}/main"}
        prompt = client.post(f"/channels/{channel_id}/general", data=move, headers=htmx)
        assert prompt.status_code == 200
        assert prompt.headers["HX-Retarget"] == "#reauth-panel" and prompt.headers["HX-Reswap"] == "innerHTML"
        assert prompt.headers["HX-Trigger"] == "reauthentication-needed"
        assert 'hx-post="/reauthenticate"' in prompt.text and "<html" not in prompt.text
        assert db.session.get(SalesChannel, channel_id).shop_domain == bs_store.domain

        wrong = client.post("/reauthenticate", data={"password": "nope"}, headers=htmx)
        assert wrong.status_code == 422 and "Password is incorrect." in wrong.text
        assert wrong.headers["HX-Retarget"] == "#reauth-panel" and "HX-Trigger" not in wrong.headers
        right = client.post("/reauthenticate", data={"password": PASSWORD}, headers=htmx)
        assert (
            right.status_code == 200 and right.text == "" and right.headers["HX-Trigger"] == "reauthenticated"
        )
        moved = client.post(f"/channels/{channel_id}/general", data=move, headers=htmx)
        assert moved.status_code == 200 and f"Moved to {twin.domain}" in moved.text

        clock.shift(timedelta(minutes=15))
        plain = client.post(
            f"/channels/{channel_id}/general", data={**move, "shop_domain": bs_store.subdomain}
        )
        assert plain.status_code == 302 and "/reauthenticate" in plain.headers["Location"]
