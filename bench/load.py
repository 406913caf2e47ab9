"""Load: 50 users of the five roles browse techOMS while order imports and inventory exports run on 4 workers.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/load.py
    ... bench/load.py --users 50 --duration 120 --orders 5000 --background-channels 2

Everything runs as in production, each in its own processes: gunicorn (`--web-workers` sync workers) serving
the app on PostgreSQL (DATABASE_URL; a schema of its own, see bench/scratch_database.py), a Redis of its own,
`--workers` `python -m jobs.worker` processes (each in a session of its own, at the app's WORKER_NICE: set
WORKER_NICE=0 to see the machine without the workers yielding to the web), and the Bright Sites simulator.
The demo data is seeded (cli/
demo_seed.py) plus 10 logins per role (owners and admins enrolled in MFA with the bench's TOTP secret: each
logs in once, password then code, see bench/load_login.py). The browsed channel (Northwind Apparel) and
`--background-channels` more have stores of `--orders` orders; while locust runs, each channel always has an
order import and a full inventory export queued or running (the first import brings the N orders in, while the
users browse them). Locust (headless, bench/load_users.py) spawns `--users` users across the five roles; each
opens the pages its role may see (probed first: a page the role is refused is left out, and listed): the
channel list, the channel page and its tabs, the sync panel, orders (list, a search, an order), the mapping
views, a SKU search, the CSV exports, products. Printed: p50/p95/p99 per page, the error count and the 5xx
count. Target: p95 < 300 ms on every page, 0 errors, 0 5xx. Checks (OK/FAIL; exit 1 when one fails): every
locust user logged in (a login that raises is counted, not dropped), locust recorded no exception, every
browsed page answered 200 itself (redirects are not followed: a page that sends the user to /login fails),
0 5xx, and the p95 target.

    .venv/bin/python bench/load.py --self-test

4 users for a few seconds on SQLite; the first login of the plan has a wrong password and the second user
logs out after signing in: the login and the browsed-pages checks must FAIL (exit 1).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.chaos_flows import RUN_TRIGGER  # noqa: E402
from bench.cluster import RedisServer, WebServer, WorkerPool, app_process_env  # noqa: E402
from bench.cpu_shares import CpuShares  # noqa: E402
from bench.database_waits import DatabaseWaits  # noqa: E402
from bench.load_login import sign_in  # noqa: E402
from bench.mfa_enrolment import enrol_if_required  # noqa: E402
from bench.request_costs_report import print_costs  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402
from cli.demo_seed import DEMO_PASSWORD, USERS, seed  # noqa: E402
from connectors.brightsites import BrightSitesClient  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncAction  # noqa: E402
from models.catalog import InventoryLevel, Product, ProductVariant, Warehouse  # noqa: E402
from models.channels import InventoryMode, SalesChannel  # noqa: E402
from models.mappings import WarehouseMapping  # noqa: E402
from models.orders import SalesOrder  # noqa: E402
from models.tenancy import Account, Membership, User  # noqa: E402
from services.channels import token_vault  # noqa: E402
from sync.start import start_run  # noqa: E402

LOGINS_PER_ROLE = 10
TARGET_P95_MS = 300


def add_logins(accounts: dict[str, Account], per_role: int) -> tuple[list[list[str]], list[list[str]]]:
    """`per_role` users per demo role (same scope as the demo's user of that role) for locust, and one more
    per role for the probe: a TOTP code is taken once per step, so no user logs in twice. Each login is
    [email, password, role, TOTP secret or ""]."""
    logins, probes = [], []
    for email, name, role, _account in USERS:
        demo = db.session.scalar(select(User).where(User.email == email))
        scope = demo.memberships[0]
        for n in range(per_role + 1):
            user = User(email=f"load-{n}-{email}", name=f"{name} {n}")
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Membership(
                    user_id=user.id,
                    organization_id=scope.organization_id,
                    account_id=scope.account_id,
                    role=role,
                )
            )
            db.session.flush()
            secret = enrol_if_required(user) or ""
            (probes if n == 0 else logins).append([user.email, DEMO_PASSWORD, role.value, secret])
    db.session.commit()
    return logins, probes


def store_channel(sim, account: Account, name: str, orders: int, seed_number: int) -> SalesChannel:
    """A channel on a new store of `orders` orders, selling the store's SKUs from a mapped warehouse."""
    info = sim.admin(
        "POST",
        "/stores",
        {"subdomain": name, "seed": seed_number, "products": 60, "orders": orders, "vendor_rate": 0,
         "vendor_managed": [], "sizes": 2, "colours": 2},
    )  # fmt: skip
    with BrightSitesClient(info["domain"], info["readonly_token"], route_to=sim.base_url) as client:
        skus = sorted({row["final_sku"] for row in client.iter_inventories()})
    known = set(db.session.scalars(select(ProductVariant.sku).where(ProductVariant.account_id == account.id)))
    product = Product(account_id=account.id, name=f"{name} goods")
    warehouse = db.session.scalar(
        select(Warehouse).where(Warehouse.organization_id == account.organization_id)
    )
    for n, sku in enumerate(s for s in skus if s not in known):
        variant = ProductVariant(account_id=account.id, title=sku)
        variant.set_sku(sku)
        variant.inventory_levels.append(InventoryLevel(warehouse=warehouse, on_hand=n % 90, allocated=0))
        product.variants.append(variant)
    channel = SalesChannel(
        account_id=account.id,
        name=name,
        shop_domain=info["domain"],
        token_ciphertext=token_vault.encrypt(info["token"]),
        token_last4=info["token"][-4:],
        token_can_write=True,
        order_statuses=["new", "paid", "in_progress"],
        import_lag_minutes=0,
        inventory_mode=InventoryMode.ABSOLUTE,
    )
    db.session.add_all([product, channel])
    db.session.flush()
    channel.import_orders_every = channel.export_shipments_every = channel.export_inventory_every = None
    db.session.add(
        WarehouseMapping(channel_id=channel.id, warehouse_id=warehouse.id, external_identifier="1")
    )
    db.session.commit()
    return channel


class Background(threading.Thread):
    """Keeps an order import and a full inventory export queued or running on every channel."""

    def __init__(self, app, channel_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.app, self.channel_ids, self.stop = app, channel_ids, threading.Event()
        self.started_runs = 0

    def run(self) -> None:
        with self.app.app_context():
            while not self.stop.is_set():
                for channel_id in self.channel_ids:
                    channel = db.session.get(SalesChannel, channel_id)
                    for action, params in (
                        (SyncAction.IMPORT_ORDERS, {}),
                        (SyncAction.EXPORT_INVENTORY, {"full": True}),
                    ):
                        _, created = start_run(channel, action, RUN_TRIGGER, **params)
                        db.session.commit()  # queues its job
                        self.started_runs += created
                db.session.remove()
                self.stop.wait(1.0)


def pages_for(channel_id: int, order_id: int) -> list[list[str]]:
    c = f"/channels/{channel_id}"
    return [
        ["channel list", "/channels/"],
        ["channel page", f"{c}/main"],
        ["channel tab advanced", f"{c}/advanced"],
        ["channel tab history", f"{c}/history"],
        ["sync panel", f"{c}/sync"],
        ["failed orders", f"{c}/sync/failed-orders"],
        ["orders", "/orders/"],
        ["orders search", "/orders/?q=BS-1"],
        ["orders page 3", "/orders/?page=3"],
        ["order", f"/orders/{order_id}"],
        ["mappings skus", f"{c}/mappings/skus"],
        ["mappings sku search", f"{c}/mappings/skus?q=M-"],
        ["mappings unmapped", f"{c}/mappings/skus/unmapped"],
        ["mappings warehouses", f"{c}/mappings/warehouses"],
        ["mappings carriers", f"{c}/mappings/carriers"],
        ["export skus csv", f"{c}/mappings/skus/export"],
        ["export carriers csv", f"{c}/mappings/carriers/export"],
        ["products", "/products/"],
    ]


def probe(base: str, probes: list[list[str]], account_id: int, pages: list[list[str]]) -> dict[str, list]:
    """Which pages each role may open (200); the others are left out of its browsing, and printed."""
    allowed = {}
    for email, password, role, secret in probes:
        with requests.Session() as http:
            http.trust_env = False
            http.get = _prefixed(http.get, base)
            http.post = _prefixed(http.post, base)
            token = sign_in(http, email, password, secret)
            http.post("/accounts/switch", data={"account_id": account_id, "csrf_token": token})
            answers = {label: http.get(path, allow_redirects=False).status_code for label, path in pages}
        allowed[role] = [[label, path] for label, path in pages if answers[label] == 200]
        refused = {label: code for label, code in answers.items() if code != 200}
        print(f"  {role}: {len(allowed[role])} pages" + (f"; left out {refused}" if refused else ""))
    return allowed


def _prefixed(method, base: str):
    def call(path: str, name: str | None = None, **kwargs):
        return method(base + path, timeout=30, **kwargs)

    return call


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv") as stats:
        return list(csv.DictReader(stats))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load after the spawn")
    parser.add_argument("--orders", type=int, default=5000, help="store orders per channel")
    parser.add_argument("--background-channels", type=int, default=1, help="channels besides the browsed one")
    parser.add_argument("--workers", type=int, default=4, help="RQ workers")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--self-test", action="store_true", help="spoil the outcome: checks must FAIL")
    args = parser.parse_args()
    if args.self_test:
        args.users, args.spawn_rate, args.duration, args.orders = 4, 4, 15, 30
        args.background_channels, args.workers, args.web_workers = 0, 1, 1
    if not os.environ.get("DATABASE_URL"):
        print("load: DATABASE_URL is not set: running on SQLite, which is not the setup the target is for")
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    os.environ["TECHOMS_INSTANCE_PATH"] = str(work)
    from bench.scratch_database import scratch_app_factory
    from bench.simulator_process import Simulator

    sim = Simulator()
    redis_server = RedisServer(work)
    app = scratch_app_factory(work, "load")(redis_server.url)
    app.config["BRIGHTSITES_ROUTE_TO"] = sim.base_url
    env = app_process_env(
        app,
        work,
        redis_server.url,
        BRIGHTSITES_ROUTE_TO=sim.base_url,
        SECRET_KEY="load-bench-secret-key-with-at-least-32-characters",
    )
    pool = WorkerPool(args.workers, env, work)
    web = background = None
    # What the app's statements wait on in PostgreSQL while the users browse (SQLite has no such view).
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    waits = DatabaseWaits(url) if url.startswith("postgresql") else None
    try:
        with app.app_context():
            accounts = seed()["accounts"]
            # Enough logins that no locust user logs in as one already used (a TOTP code is taken once).
            logins, probes = add_logins(accounts, max(LOGINS_PER_ROLE, math.ceil(args.users / len(USERS))))
            apparel = accounts["Northwind Apparel"]
            apparel_id = apparel.id
            channels = [store_channel(sim, apparel, "loadmain", args.orders, 1)]
            for n in range(args.background_channels):
                channels.append(
                    store_channel(sim, accounts["Northwind Events"], f"loadbg{n}", args.orders, 2 + n)
                )
            channel_ids = [channel.id for channel in channels]
            main_channel = channel_ids[0]
        pool.start()
        background = Background(app, channel_ids)
        background.start()
        with app.app_context():  # an order to open: wait for the import's first pages
            for _ in range(600):
                order_id = db.session.scalar(
                    select(func.min(SalesOrder.id)).where(SalesOrder.channel_id == main_channel)
                )
                if order_id:
                    break
                db.session.remove()
                time.sleep(0.5)
        web = WebServer(env, work, workers=args.web_workers)
        base = web.base_url
        print(
            f"load: {args.users} users over 5 roles, {args.duration} s after a spawn at {args.spawn_rate}/s; "
            f"gunicorn {args.web_workers} workers; {len(channel_ids)} channels with {args.orders}-order "
            f"imports "
            f"and full inventory exports on {args.workers} RQ workers; database "
            f"{'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"
        )
        plan = {
            "users": logins,
            "pages": probe(base, probes, apparel_id, pages_for(main_channel, order_id)),
            "account_id": apparel_id,
        }
        if args.self_test:
            plan["users"][0][1] = "not-the-password"
            plan["users"][1].append("logout")
            print("  self-test: the first login's password is wrong, the second user logs out")
        if waits is not None:
            waits.start()
        plan_file = work / "plan.json"
        plan_file.write_text(json.dumps(plan))
        spawn_seconds = int(args.users / args.spawn_rate) + 1
        cpu = CpuShares()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_users.py"), "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration + spawn_seconds}s",
             "--host", base, "--csv", str(work / "load"), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT,
            env={**os.environ, "LOAD_PLAN": str(plan_file), "LOAD_RESULT": str(work / "result.json")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # locust's own summary: the figures are printed below from its CSV
            check=False,
        )  # fmt: skip
        with app.app_context():
            imported = db.session.scalar(select(func.count()).where(SalesOrder.channel_id.in_(channel_ids)))
        cpu.report()
        print_costs(work / "web.log")
        if waits is not None:
            waits.stop()
            waits.report()
        verdicts = report(
            read_stats(work / "load"),
            json.loads((work / "result.json").read_text()),
            background,
            imported,
            exceptions=read_exceptions(work / "load"),
            users=args.users,
            timed=not args.self_test,
        )
    finally:
        if waits is not None:
            waits.stop()
        if background is not None:
            background.stop.set()
            background.join(10)
        if web is not None:
            web.stop()
        pool.stop()
        redis_server.stop()
        sim.stop()
    verdicts.finish()


def read_exceptions(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_exceptions.csv")
    if not path.exists():
        return []
    with open(path) as exceptions:
        return list(csv.DictReader(exceptions))


def report(
    rows: list[dict],
    result: dict,
    background: Background,
    imported: int,
    *,
    exceptions: list[dict],
    users: int,
    timed: bool = True,
) -> Verdicts:
    print(f"{'page':<24} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    slow = []
    for row in sorted(rows, key=lambda r: r["Name"]):
        if row["Name"] == "Aggregated":
            continue
        print(
            f"{row['Name']:<24} {row['Request Count']:>8} {row['Failure Count']:>5} {row['50%']:>7} "
            f"{row['95%']:>7} {row['99%']:>7}"
        )
        if (
            row["Name"] not in ("login", "login form", "login code", "switch account")
            and float(row["95%"]) >= TARGET_P95_MS
        ):
            slow.append(row["Name"])
    total = next(row for row in rows if row["Name"] == "Aggregated")
    statuses = result["statuses"]
    fivexx = sum(count for code, count in statuses.items() if code.isdigit() and int(code) >= 500)
    print(
        f"{'all, login included':<24} {total['Request Count']:>8} {total['Failure Count']:>5} "
        f"{total['50%']:>7} {total['95%']:>7} {total['99%']:>7}"
    )
    print(f"errors {total['Failure Count']}, 5xx {fivexx}; statuses {statuses}")
    print(f"background: {background.started_runs} runs started during the load, {imported} orders imported")
    verdict = "met" if not slow and int(total["Failure Count"]) == 0 and fivexx == 0 else "NOT met"
    print(
        f"target p95 < {TARGET_P95_MS} ms on every page, 0 errors, 0 5xx: {verdict}"
        + (f" (slow: {slow})" if slow else "")
    )
    verdicts = Verdicts()
    failures = result.get("login_failures", [])
    verdicts.check(
        "every locust user logged in",
        result.get("logins", 0) == users and not failures,
        f"{result.get('logins', 0)} of {users}" + (f"; failed: {failures[:3]}" if failures else ""),
    )
    verdicts.check(
        "locust recorded no exception",
        not exceptions,
        f"{len(exceptions)}" + (f": {exceptions[0].get('Message', '')[:200]}" if exceptions else ""),
    )
    browsed_failures = sum(
        int(row["Failure Count"])
        for row in rows
        if row["Name"] not in ("Aggregated", "login", "login form", "login code", "switch account", "logout")
    )
    verdicts.check(
        "every browsed page answered 200 itself (0 errors)",
        browsed_failures == 0,
        f"{browsed_failures} failed of {total['Request Count']} requests; statuses {statuses}",
    )
    verdicts.check("0 5xx", fivexx == 0, f"{fivexx}")
    if timed:
        verdicts.check(
            f"p95 < {TARGET_P95_MS} ms on every page", not slow, f"slow: {slow}" if slow else "all"
        )
    return verdicts


if __name__ == "__main__":
    main()
