"""No request shape is a 500: every route (walked from app.url_map, like the policy matrix) gets the shapes a
security probe sent (issue 10, items 9-12), and answers each with a 4xx or its normal answer, never a 5xx."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from models.base import utcnow
from models.tenancy import Role
from services import cron_heartbeat
from tests.support import channel_steps as wizard
from tests.support.form_fields import form_fields, text_field_names
from tests.support.policy import build_url, object_ids
from tests.support.world import PASSWORD, ROLE_EMAILS
from web.request_bodies import UPLOAD_FIELDS

OWNER = ROLE_EMAILS[Role.ORG_OWNER]
HUGE_IDS = (str(2**31), "99999999999999999999", str(2**63), str(2**64), "9" * 5000)
CRLF_NEXT = "/overview\r\nSet-Cookie: planted=1"
NOT_LATIN1_TOKEN = "Bright’Sites-token-1234"  # noqa: S105 (a probe value)
SKIPPED = {"static", "auth.logout"}  # files; ending the session the walk runs in


def rules(app, *, api: bool = True):
    for rule in app.url_map.iter_rules():
        # The API and the order push intake read JSON themselves and have no forms.
        if rule.endpoint in SKIPPED or (not api and rule.rule.startswith(("/api/", "/intake/"))):
            continue
        for method in sorted(rule.methods & {"GET", "POST", "PUT"}):
            yield rule, method


@pytest.fixture
def app_config(app_config):
    # The shapes must reach the views, not the budget of store calls (tested on its own).
    return {
        **app_config,
        "STORE_CALL_LIMITS_PER_USER": "10000/hour",
        "STORE_CALL_LIMITS_PER_CHANNEL": "10000/hour",
    }


@pytest.fixture
def probe(app, client, world, login, bs_store):
    """The org owner's session, a live wizard draft, and the ids of the own tenant; the cron is alive, so
    /readyz answers 200 (a 503 there is a readiness answer, tested in test_health.py)."""
    cron_heartbeat.beat(app.extensions["redis"], utcnow())
    login(OWNER)
    draft = wizard.start(client)
    return client, draft, object_ids(world, "own"), bs_store


def test_the_upload_fields_are_the_forms_file_fields():
    files = {name for name, is_file in form_fields().items() if is_file}
    assert files == UPLOAD_FIELDS
    assert not UPLOAD_FIELDS & set(text_field_names())
    assert {"name", "email", "access_token", "draft_id", "kind", "next"} <= set(text_field_names())


def test_a_text_field_sent_as_a_file_is_a_bad_request(app, probe):
    client, draft, ids, _store = probe
    names = text_field_names()
    failures = []
    # The host-system API reads JSON itself and has no forms (its bodies: tests/blueprints/api/).
    for rule, method in rules(app, api=False):
        if method != "POST":
            continue
        url = build_url(rule, ids)
        for name in names:
            upload = FileStorage(stream=io.BytesIO(b"text"), filename="x.txt", name=name)
            response = client.post(
                url, data={"draft_id": draft, name: upload}, content_type="multipart/form-data"
            )
            if response.status_code != 400:
                failures.append(f"POST {rule.rule} [{name}] -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_json_body_is_refused_not_read_as_a_form(app, probe):
    client, draft, ids, _store = probe
    body = {"draft_id": draft, "name": {"nested": 1}, "email": 5, "access_token": ["a"], "shop_domain": None}
    for rule, method in rules(app, api=False):  # the API takes JSON by design
        if method == "POST":
            response = client.post(build_url(rule, ids), json=body)
            assert response.status_code == 415, rule.rule


def _with_argument(rule, ids: dict, argument: str, value: str) -> str:
    """The URL of `rule` with its arguments from `ids`, and `argument` replaced by the raw text `value`."""
    marker = 7_777_777_777_777
    url = rule.build({**{name: ids[name] for name in rule.arguments}, argument: marker})[1]
    return url.replace(str(marker), value)


def test_ids_outside_the_database_range_are_not_found_on_every_route(app, probe):
    client, _draft, ids, _store = probe
    failures = []
    for rule, method in rules(app):
        for argument in rule.arguments - {"view"}:
            for huge in HUGE_IDS:
                response = client.open(_with_argument(rule, ids, argument, huge), method=method)
                if response.status_code != 404:
                    failures.append(
                        f"{method} {rule.rule} [{argument}={huge[:25]}] -> {response.status_code}"
                    )
    assert not failures, "\n".join(failures)


def test_a_token_outside_latin1_and_a_line_break_in_next_never_crash(app, probe):
    client, draft, ids, store = probe
    form = {
        "draft_id": draft,
        "name": "Probe",
        "shop_domain": store.subdomain,
        "access_token": NOT_LATIN1_TOKEN,
        "kind": "shipping_methods",
        "email": OWNER,
        "password": PASSWORD,
        "next": CRLF_NEXT,
    }
    failures = []
    for rule, method in [
        *rules(app),
        *((r, "POST") for r in app.url_map.iter_rules() if r.endpoint == "auth.login"),
    ]:
        url = build_url(rule, ids) if rule.arguments else rule.rule
        data = form if method == "POST" else None
        response = client.open(url, method=method, data=data, query_string={"next": CRLF_NEXT})
        cookies = " ".join(response.headers.getlist("Set-Cookie"))
        if (
            response.status_code >= 500
            or "planted" in cookies
            or "\n" in response.headers.get("Location", "")
        ):
            failures.append(f"{method} {rule.rule} -> {response.status_code}")
    assert not failures, "\n".join(failures)
