"""`make prod-check`: the production stack on one machine, and a smoke journey over HTTP against it.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/techoms_check \
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python -m bench.prod_check

It migrates the database, seeds the demo, starts the Bright Sites simulator (demo store), gunicorn (4
workers), 4 RQ workers and the cron process — exactly the commands of the README's Production section, with
TECHOMS_ENV=production — then walks through /healthz, /readyz, login (the owner's password, then the TOTP code
of the demo's known secret), the channel list, connecting the demo store, an order import (waiting for the
orders to arrive), /metrics, and finally reads every process's log: each line JSON, none with the store token,
the demo password or a customer e-mail. Each step prints its time; everything it started is stopped; the exit
code tells (0 ok, 1 a step failed, 2 cannot start).

The database must be one of its own (a channel of the demo store is created in it): it refuses one that
already holds channels. Secrets (SECRET_KEY, TOKEN_ENCRYPTION_KEYS, METRICS_TOKEN) come from the environment
when set, else fresh random ones for this run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import requests
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, inspect, text

from bench.simulator_process import ROOT, Simulator, free_port
from cli.demo_seed import DEMO_PASSWORD, DEMO_TOTP_SECRETS, USERS
from connectors.brightsites.client import BrightSitesClient
from sandbox.demo import DEMO_READONLY_TOKEN, DEMO_SHOP_DOMAIN, DEMO_TOKEN

OWNER_EMAIL = USERS[0][0]
FINAL_RESULTS = ("succeeded", "partial", "failed")


class StepFailed(Exception):
    pass


class Stack:
    """The processes this check started, each logging to its own file; stopped together at the end."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603  our own commands
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        return process

    def run(self, name: str, argv: list[str]) -> None:
        with (self.log_dir / f"{name}.log").open("wb") as log:
            done = subprocess.run(
                argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, check=False
            )  # noqa: S603
        if done.returncode:
            raise StepFailed(
                f"{' '.join(argv[1:4])} exited {done.returncode} (see {self.log_dir / name}.log)"
            )

    def dead(self) -> list[str]:
        return [name for name, process in self.processes if process.poll() is not None]

    def stop(self) -> list[str]:
        """SIGTERM to all, then wait; SIGKILL what is still running after 20 s. Returns those killed."""
        for _name, process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        killed = []
        for name, process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                killed.append(name)
        return killed

    def log_lines(self) -> dict[str, list[str]]:
        return {
            name: (self.log_dir / f"{name}.log").read_text(errors="replace").splitlines()
            for name, _ in self.processes
        }


class WebClient:
    """A browser without JavaScript: cookies kept by hand (the production cookie is `Secure`, which `requests`
    would not send over the plain HTTP of this loopback check), redirects followed, the CSRF token of the
    last page sent with each form."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.trust_env = False
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        for _ in range(6):
            headers = {**kwargs.pop("headers", {})}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            response = self.http.request(
                method, self.base_url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
            )
            self.cookies.update({cookie.name: cookie.value for cookie in response.cookies})
            if response.status_code in (301, 302, 303) and "Location" in response.headers:
                method, kwargs = "GET", {}
                path = re.sub(r"^https?://[^/]+", "", response.headers["Location"])
                continue
            found = re.search(r'name="csrf-token" content="([^"]+)"', response.text) or re.search(
                r'name="csrf_token" type="hidden" value="([^"]+)"', response.text
            )
            if found:
                self.csrf = found.group(1)
            return response
        raise StepFailed(f"too many redirects from {path}")

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        return self.request("POST", path, data={"csrf_token": self.csrf, **data})


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def wait_for(
    what: str, check: Callable[[], Any], timeout: float, last: Callable[[], Any] = lambda: None
) -> Any:
    """`check()` until it is truthy; on timeout, says what `last()` saw (or the last error)."""
    deadline = time.monotonic() + timeout
    seen: Any = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
            seen = last()
        except (requests.RequestException, StepFailed) as error:
            seen = type(error).__name__
        time.sleep(0.5)
    raise StepFailed(f"{what}: not within {timeout:.0f} s (last: {seen})")


class Check:
    def __init__(self) -> None:
        self.failed = False
        self.started = time.monotonic()

    def step(self, name: str, action: Callable[[], str | None]) -> bool:
        if self.failed:
            print(f"  skip          {name}")
            return False
        began = time.monotonic()
        try:
            detail = action()
        except (StepFailed, requests.RequestException, OSError) as error:
            print(f"  FAIL {time.monotonic() - began:7.2f} s  {name}: {error}", flush=True)
            self.failed = True
            return False
        print(
            f"  ok   {time.monotonic() - began:7.2f} s  {name}{f'  ({detail})' if detail else ''}", flush=True
        )
        return True


def metric_samples(body: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def finished_imports(samples: dict[tuple[str, tuple], float]) -> int:
    return int(
        sum(
            samples.get(("techoms_sync_runs_total", (("action", "import_orders"), ("result", r))), 0)
            for r in FINAL_RESULTS
        )
    )


def database_holds_channels(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("sales_channel"):
                return False
            return bool(connection.execute(text("SELECT count(*) FROM sales_channel")).scalar())
    finally:
        engine.dispose()


def child_environment(
    database_url: str, redis_url: str, simulator_url: str, instance: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TECHOMS_ENV", "FLASK_APP")}
    env.update(
        {
            "TECHOMS_ENV": "production",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
            "TOKEN_ENCRYPTION_KEYS": os.environ.get("TOKEN_ENCRYPTION_KEYS")
            or Fernet.generate_key().decode(),
            "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or secrets.token_urlsafe(32),
            "BRIGHTSITES_ROUTE_TO": simulator_url,
            "TECHOMS_INSTANCE_PATH": str(instance),
            "LOG_FORMAT": "json",
            # The check polls /metrics for the end of its import: a shorter shared snapshot than the default.
            "METRICS_CACHE_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def main(argv: list[str] | None = None) -> int:  # noqa: C901, PLR0915  one journey, read top to bottom
    parser = argparse.ArgumentParser(prog="python -m bench.prod_check", description=__doc__.split("\n")[0])
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--rq-workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the import")
    args = parser.parse_args(argv)
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        print(
            "DATABASE_URL and REDIS_URL are required "
            "(a database of its own, e.g. PostgreSQL on 127.0.0.1:5432)."
        )
        return 2
    if database_holds_channels(database_url):
        print("This database already holds channels: give prod-check a fresh database of its own.")
        return 2

    work = Path(tempfile.mkdtemp(prefix="techoms-prod-check-"))
    print(
        f"Production check: gunicorn ×{args.web_workers}, RQ workers ×{args.rq_workers}, cron; logs in {work}"
    )
    simulator = Simulator(demo=True)
    env = child_environment(database_url, redis_url, simulator.base_url, work)
    stack = Stack(env, work)
    port = free_port()
    web = WebClient(f"http://127.0.0.1:{port}")
    check = Check()
    state: dict[str, Any] = {}
    python, flask = sys.executable, [sys.executable, "-m", "flask", "--app", "app:create_app"]

    def migrate() -> str:
        stack.run("migrate", [*flask, "db", "upgrade"])
        return "flask db upgrade"

    def seed() -> str:
        stack.run("seed", [*flask, "demo", "seed"])
        return "flask demo seed"

    def start_processes() -> str:
        stack.start(
            "gunicorn",
            [
                python, "-m", "gunicorn", "--workers", str(args.web_workers), "--bind", f"127.0.0.1:{port}",
                "--logger-class", "observability.gunicorn_logging.JsonGunicornLogger", "--no-control-socket",
                "app:create_app()",
            ],
        )  # fmt: skip
        for n in range(args.rq_workers):
            stack.start(f"worker-{n + 1}", [python, "-m", "jobs.worker"])
        stack.start("cron", [python, "-m", "jobs.cron"])
        return f"{len(stack.processes)} processes"

    def healthz() -> str:
        wait_for("/healthz answers 200", lambda: web.get("/healthz").status_code == 200, 60)
        expect(not stack.dead(), f"stopped: {stack.dead()}")
        return "200"

    def readyz() -> str:
        def ready() -> bool:
            response = web.get("/readyz")
            state["readyz"] = response.json()
            return response.status_code == 200

        wait_for("/readyz answers 200", ready, 60, last=lambda: state.get("readyz"))
        return ", ".join(f"{k} {v}" for k, v in state["readyz"]["checks"].items())

    def login() -> str:
        web.get("/login")
        response = web.post("/login", {"email": OWNER_EMAIL, "password": DEMO_PASSWORD})
        # An owner: the second factor, with the code the demo's authenticator secret shows now.
        expect(response.url.endswith("/login/code"), f"no code step after the password: {response.url}")
        response = web.post("/login/code", {"code": pyotp.TOTP(DEMO_TOTP_SECRETS[OWNER_EMAIL]).now()})
        expect(
            response.status_code == 200 and "Log out" in response.text,
            f"login answered {response.status_code}",
        )
        return f"{OWNER_EMAIL}, password and TOTP code"

    def channel_list() -> str:
        response = web.get("/channels/")
        expect(response.status_code == 200, f"/channels/ answered {response.status_code}")
        return "200"

    def connect_store() -> str:
        page = web.get("/channels/new/")
        draft = re.search(r'name="draft_id" value="([^"]+)"', page.text)
        expect(draft is not None, f"wizard answered {page.status_code}")
        fields = {"draft_id": draft.group(1)}
        web.post("/channels/new/type", {**fields, "channel_type": "brightsites"})
        response = web.post(
            "/channels/new/connection",
            {**fields, "name": "Demo store", "shop_domain": DEMO_SHOP_DOMAIN, "access_token": DEMO_TOKEN},
        )
        expect("3. First options" in response.text, f"connection step answered {response.status_code}")
        response = web.post(
            "/channels/new/options",
            {
                **fields,
                "order_statuses": ["new", "paid"],
                "inventory_mode": "none",
                "import_since": "",
                "first_import": "later",
            },
        )
        found = re.search(r"/channels/(\d+)/", response.url)
        expect(
            response.status_code == 200 and found is not None, f"options step answered {response.status_code}"
        )
        state["channel_id"] = int(found.group(1))
        return f"channel {state['channel_id']}, {DEMO_SHOP_DOMAIN}"

    def metrics(token: str | None = env["METRICS_TOKEN"]) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return web.http.get(f"{web.base_url}/metrics", headers=headers, timeout=30)

    def start_import() -> str:
        state["imports_before"] = finished_imports(metric_samples(metrics().text))
        channel = state["channel_id"]
        web.get(f"/channels/{channel}/sync")
        response = web.post(f"/channels/{channel}/sync/import-orders", {})
        expect(response.status_code == 200, f"import answered {response.status_code}")
        return f"POST /channels/{channel}/sync/import-orders"

    def orders_arrive() -> str:
        def imported() -> bool:
            return finished_imports(metric_samples(metrics().text)) > state["imports_before"]

        wait_for("the import run to finish", imported, args.timeout)
        # What the logs must not contain, read while the simulator runs (not billed: the read-only token).
        with BrightSitesClient(DEMO_SHOP_DOMAIN, DEMO_READONLY_TOKEN, route_to=simulator.base_url) as store:
            state["emails"] = {order.get("customer") for order in store.iter_orders()} - {None, ""}
        page = web.get("/orders/")
        count = len(set(re.findall(r'href="/orders/(\d+)"', page.text)))
        expect(page.status_code == 200 and count > 0, "no order on the Orders page")
        return f"{count} orders on the first page"

    def scrape() -> str:
        expect(metrics(None).status_code == 404, "/metrics without the token did not answer 404")
        expect(metrics("wrong").status_code == 404, "/metrics with a wrong token did not answer 404")
        response = metrics()
        expect(response.status_code == 200, f"/metrics answered {response.status_code}")
        samples = metric_samples(response.text)
        runs = {labels: v for (name, labels), v in samples.items() if name == "techoms_sync_runs_total" and v}
        calls = sum(v for (name, _), v in samples.items() if name == "techoms_store_calls_billed_total")
        failed = samples.get(("techoms_failed_orders", ()), 0)
        described = ", ".join(
            f"{dict(labels)['action']}/{dict(labels)['result']} {v:g}" for labels, v in runs.items()
        )
        return f"runs {described}; billed calls {calls:g}; failed orders {failed:g}"

    def logs_are_clean() -> str:
        emails = state.get("emails")
        expect(bool(emails), "the demo store listed no customer e-mail to look for")
        lines = {name: lines for name, lines in stack.log_lines().items() if name not in ("migrate", "seed")}
        total = sum(len(v) for v in lines.values())
        totp_secret = DEMO_TOTP_SECRETS[OWNER_EMAIL]
        secrets_found = [
            DEMO_TOKEN,
            DEMO_PASSWORD,
            totp_secret,
            env["SECRET_KEY"],
            env["METRICS_TOKEN"],
            *emails,
        ]
        for name, entries in lines.items():
            for line in entries:
                try:
                    json.loads(line)
                except ValueError:
                    raise StepFailed(f"{name}: not a JSON line: {line[:120]}") from None
                leaked = [s for s in secrets_found if s and s in line]
                expect(not leaked, f"{name}: a secret or customer e-mail in the log: {line[:80]}…")
        return f"{total} JSON lines from {len(lines)} processes, no token, password or customer e-mail"

    try:
        check.step("database migrated", migrate)
        check.step("demo seeded", seed)
        check.step("gunicorn, RQ workers and cron started", start_processes)
        check.step("GET /healthz", healthz)
        check.step("GET /readyz", readyz)
        check.step("log in", login)
        check.step("channel list", channel_list)
        check.step("connect the demo store", connect_store)
        check.step("start an order import", start_import)
        check.step("orders arrive", orders_arrive)
        check.step("GET /metrics", scrape)
        check.step(
            "every process still running", lambda: expect(not stack.dead(), f"stopped: {stack.dead()}")
        )
    finally:
        killed = stack.stop()
        simulator.stop()
    check.step("logs: JSON, no secret, no customer data", logs_are_clean)
    if killed:
        print(f"  note: killed after 20 s: {', '.join(killed)}")
    if check.failed:
        for name, lines in stack.log_lines().items():
            print(f"  --- {name}.log, last lines:", *lines[-3:], sep="\n    ")
    print(
        f"{'FAILED' if check.failed else 'OK'} in {time.monotonic() - check.started:.1f} s (logs in {work})"
    )
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
