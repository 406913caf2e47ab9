"""The locustfile of bench/load.py: techOMS users of the five roles browsing what their role may see.

Run by bench/load.py (`locust -f bench/load_users.py --headless ...`) with LOAD_PLAN naming a JSON file:
{"users": [[email, password, role, TOTP secret or ""], ...], "pages": {role: [[label, path], ...]},
"account_id": id}. Each simulated user takes the next login of the plan, signs in (`sign_in` of
bench/load_login.py: the one place that knows how), switches to the bench's account, then opens a random page
of its role every 0.5-2 s. Every answer's status is counted; LOAD_RESULT receives {"statuses": {code: count}}
when locust quits (the 5xx figure)."""

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
LOGINS = itertools.cycle(PLAN["users"] or [["", "", "", ""]])
STATUSES: Counter = Counter()


@events.request.add_listener
def _count_status(response=None, exception=None, **_kwargs) -> None:
    STATUSES[str(response.status_code) if response is not None else "no answer"] += 1


@events.quitting.add_listener
def _write_result(environment, **_kwargs) -> None:
    if os.environ.get("LOAD_RESULT"):
        with open(os.environ["LOAD_RESULT"], "w") as out:
            json.dump({"statuses": dict(STATUSES)}, out)


class TechomsUser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        email, password, self.role, secret = next(LOGINS)
        token = sign_in(self.client, email, password, secret)
        self.client.post(
            "/accounts/switch",
            data={"account_id": PLAN["account_id"], "csrf_token": token},
            name="switch account",
        )
        self.pages = PLAN["pages"][self.role]

    @task
    def browse(self) -> None:
        label, path = random.choice(self.pages)
        self.client.get(path, name=label)
