"""What two-factor authentication costs: SQL statements per page view for the enrolment gate, and time per
login (password, then code) against a password-only login.

    .venv/bin/python bench/second_factor.py --logins 20

In-process (Flask test client) against a temporary SQLite database migrated like production; rate limits in
memory. Prints, for a user with MFA and one without: statements per GET /overview with the gate and without
it (the gate's own cost), and the median time of a whole login. Password hashing (scrypt) dominates a login;
the code step should add little to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-mfa-"))
os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

import pyotp  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, update  # noqa: E402

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.mfa import MfaCredential  # noqa: E402
from models.tenancy import Account, Membership, Organization, Role, User  # noqa: E402
from services.accounts import totp  # noqa: E402
from web import second_factor  # noqa: E402

PASSWORD = "bench password for two factors"  # noqa: S105  a throwaway database
SECRET = pyotp.random_base32()
USERS = {"owner@bench.test": Role.ORG_OWNER, "user@bench.test": Role.ACCOUNT_USER}


def make_app():
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{WORK / 'bench.sqlite3'}",
            "REDIS_URL": "redis://127.0.0.1:1/0",  # never used here
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )


def seed() -> None:
    upgrade()
    organization = Organization(name="Bench")
    account = Account(organization=organization, name="Bench", code="BENCH")
    db.session.add_all([organization, account])
    for email, role in USERS.items():
        user = User(email=email, name=email)
        user.set_password(PASSWORD)
        scope = {"organization": organization} if role.is_org_level else {"account": account}
        db.session.add(Membership(user=user, role=role, **scope))
        db.session.flush()
        if role is Role.ORG_OWNER:
            db.session.add(
                MfaCredential(user_id=user.id, secret_ciphertext=totp.encrypt(SECRET), enabled_at=utcnow())
            )
    db.session.commit()


def log_in(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.headers.get("Location", "").endswith("/login/code"):
        # As an app that waited for a step of its own: the last accepted step is forgotten between logins.
        with client.application.app_context():
            db.session.execute(update(MfaCredential).values(last_used_step=None))
            db.session.commit()
        response = client.post("/login/code", data={"code": pyotp.TOTP(SECRET).now()})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], email


def statements_per_view(app, client) -> int:
    count = 0

    def counted(*_args, **_kwargs):
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get("/overview").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        seed()
    gate = second_factor.enforce_enrolment
    for email, role in USERS.items():
        client = app.test_client()
        log_in(client, email)
        client.get("/overview")  # warm: templates compiled, the session row touched
        with_gate = statements_per_view(app, client)
        app.before_request_funcs[None].remove(gate)
        without_gate = statements_per_view(app, client)
        app.before_request_funcs[None].append(gate)
        timings = []
        for _ in range(args.logins):
            fresh = app.test_client()
            started = time.perf_counter()
            log_in(fresh, email)
            timings.append(time.perf_counter() - started)
        kind = "with MFA" if role is Role.ORG_OWNER else "no MFA"
        print(
            f"{role.label:<20} ({kind:<8}): GET /overview {with_gate} SQL statements "
            f"({with_gate - without_gate} for the enrolment gate); login median "
            f"{statistics.median(timings) * 1000:.0f} ms over {args.logins}"
        )


if __name__ == "__main__":
    main()
