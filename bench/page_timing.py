"""What the in-process page benches (bench/channel_health.py, bench/mappings.py) share: the app as Flask's
test client drives it, a bench account whose owner logs in (the password, then the code step), and timing: a
call's seconds, and the median and p95 of samples in milliseconds. Import it after bench/scratch_instance.py's
`scratch_instance(..., environment=True)`: the app reads its database and Redis from the environment."""

from __future__ import annotations

import statistics
import time

from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from app import create_app
from bench.mfa_enrolment import enrol_if_required, log_in
from extensions import db
from models.tenancy import Account, Membership, Organization, Role, User

OWNER_EMAIL = "bench@example.test"
PASSWORD = "bench password long enough"


def test_client_app():
    """The app without CSRF or rate limits (a test client sends the requests), its database migrated; the
    caller enters its context."""
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        upgrade()
    return app


def owned_account() -> Account:
    """ "Bench account" in its organization, and the organization's owner (MFA enrolled with the bench's
    secret); added and flushed. The caller commits."""
    organization = Organization(name="Bench org")
    account = Account(organization=organization, name="Bench account", code="BENCH", timezone="UTC")
    user = User(email=OWNER_EMAIL, name="Bench", password_hash=generate_password_hash(PASSWORD))
    membership = Membership(user=user, role=Role.ORG_OWNER, organization=organization)
    db.session.add_all([organization, account, user, membership])
    db.session.flush()
    enrol_if_required(user)  # an owner: the login asks for the code
    return account


def log_in_owner(client) -> None:
    log_in(client, OWNER_EMAIL, PASSWORD)


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and p95 in milliseconds, of samples in seconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000


def request_percentiles(call, requests: int) -> tuple[float, float]:
    """Median and p95 in milliseconds of `requests` calls of `call` (a test-client request, each answered
    200), after the caller's warm-up."""
    samples = []
    for _ in range(requests):
        elapsed, response = timed(call)
        assert response.status_code == 200, response.status_code
        samples.append(elapsed)
    return percentiles(samples)
