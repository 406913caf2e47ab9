"""Headers and error pages every response gets."""

from __future__ import annotations

from models.tenancy import Role
from tests.support.world import ROLE_EMAILS


def test_security_headers(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    response = client.get("/overview")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_not_found_page(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data and b"<html" in response.data
    fragment = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and b"<html" not in fragment.data


def test_error_page_for_a_history_restore_is_the_whole_page(client, world, login):
    """Going back to a pushed URL that now fails (another tenant's channel here) must not swap a bare
    fragment in as the whole document."""
    login(ROLE_EMAILS[Role.ORG_OWNER])
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    for path in ("/no/such/page", f"/channels/{world.b.channel.id}/main"):
        response = client.get(path, headers=restore)
        assert response.status_code == 404, path
        assert b"<html" in response.data and b"Not found" in response.data, path


def test_unexpected_error_is_a_clean_500(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    boom.required_permission = "view"
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data and b"secret detail" not in response.data


def test_health_is_public(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_static_vendor_files_are_served(client):
    for path in (
        "/static/vendor/htmx-2.0.11.min.js",
        "/static/vendor/bootstrap-5.3.9.min.css",
        "/static/app.js",
    ):
        with client.get(path) as response:  # closing it closes the file served
            assert response.status_code == 200, path


def test_ids_outside_the_databases_range_are_not_found(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    channel = world.a.channel.id
    huge = "99999999999999999999"
    for method, path in (
        ("GET", f"/channels/{huge}/main"),
        ("POST", f"/channels/{huge}/main"),
        ("GET", f"/channels/{2**63}/main"),
        ("GET", "/channels/" + "9" * 5000 + "/main"),
        ("GET", f"/channels/{channel}/sync/runs/{2**64}"),
        ("POST", f"/channels/{channel}/mappings/warehouses/{2**63}"),
        ("POST", f"/channels/{channel}/sync/orders/{huge}/retry"),
        ("GET", f"/orders/{2**63}"),
        ("GET", f"/orders/{2**31}"),
        ("GET", "/channels/0/main"),
        ("GET", f"/channels/{2**31}/main"),  # an INTEGER column: PostgreSQL refuses the parameter
        ("GET", f"/channels/{2**62}/main"),
        ("POST", f"/channels/{channel}/sync/orders/{2**63}/retry"),  # a BIGINT column
        ("POST", f"/channels/{channel}/sync/orders/{2**62}/retry"),  # in its range, just not there
    ):
        assert client.open(path, method=method).status_code == 404, (method, path[:60])
    assert client.get(f"/channels/{2**31 - 1}/main").status_code == 404  # in range, just not there
    assert client.get(f"/channels/{channel}/main").status_code == 200


def test_favicon_is_served_at_the_root(client):
    """Browsers fetch /favicon.ico on their own; a 404 there is an error in every page's console."""
    with client.get("/favicon.ico") as response:  # closing it closes the file served
        assert response.status_code == 200
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
