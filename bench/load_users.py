"""The locustfile of bench/load.py: techOMS users of the five roles browsing what their role may see.

Run by bench/load.py (`locust -f bench/load_users.py --headless ...`) with LOAD_PLAN naming a JSON file:
{"users": [[email, password, role, TOTP secret or ""], ...], "pages": {role: [[label, path], ...]},
"account_id": id}. Each simulated user takes the next login of the plan, signs in (`sign_in` of
bench/load_login.py: the one place that knows how), switches to the bench's account, then opens a random page
of its role every 0.5-2 s, without following redirects: a page that sends the user to /login is a 302 and a
failure, not the login page's 200. Every answer's status is counted, and every login that failed (with why);
LOAD_RESULT receives {"statuses": {code: count}, "logins": n, "login_failures": [...]} when locust quits. A
plan entry may ask its user to log out after the switch ("logout": the self-test's spoiled session)."""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # locust puts only bench/ on the path

from bench.load_login import sign_in  # noqa: E402

PLAN = (
    json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
    if os.environ.get("LOAD_PLAN")
    else {"users": [], "pages": {}}
)
NEXT_LOGIN = itertools.cycle(PLAN["users"] or [["", "", "", ""]])
STATUSES: Counter = Counter()
LOGINS: Counter = Counter()
LOGIN_FAILURES: list[str] = []


@events.request.add_listener
def _count_status(response=None, exception=None, **_kwargs) -> None:
    STATUSES[str(response.status_code) if response is not None else "no answer"] += 1


@events.quitting.add_listener
def _write_result(environment, **_kwargs) -> None:
    if os.environ.get("LOAD_RESULT"):
        with open(os.environ["LOAD_RESULT"], "w") as out:
            json.dump(
                {"statuses": dict(STATUSES), "logins": LOGINS["ok"], "login_failures": LOGIN_FAILURES}, out
            )


class TechomsUser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        email, password, self.role, secret, *extra = next(NEXT_LOGIN)
        self.pages = PLAN["pages"][self.role]
        try:
            token = sign_in(self.client, email, password, secret)
        except Exception as error:  # counted and reported by bench/load.py, not dropped
            LOGIN_FAILURES.append(f"{email}: {error}")
            raise
        LOGINS["ok"] += 1
        self.client.post(
            "/accounts/switch",
            data={"account_id": PLAN["account_id"], "csrf_token": token},
            name="switch account",
        )
        if "logout" in extra:
            self.client.post("/logout", data={"csrf_token": token}, name="logout")

    @task
    def browse(self) -> None:
        label, path = random.choice(self.pages)
        with self.client.get(path, name=label, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} {answer.headers.get('Location', '')}")
