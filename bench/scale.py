"""Scale: a year of a busy account on PostgreSQL (bench/scale_data.py), and every page timed over HTTP.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/scale.py
    ... bench/scale.py --scale 0.02 --requests 50        a quick run
    ... bench/scale.py --reuse                           the pages again on the data of the last run

The schema `bench_scale` of DATABASE_URL's database is emptied, migrated (`flask db upgrade`) and filled in
bulk, then VACUUM ANALYZEd; rows per table and the time are printed. Then gunicorn (one sync worker: the
requests are sequential, so the figures are the app's and the database's, not a queue's) serves the app, the
bench logs in (the owner, password then TOTP code; the account user for the masked e-mail search) and opens
each page `--requests` times: first page and a deep page of every list. Printed per page: p50, p95, status
codes, the load average; then the web worker's peak RSS (VmHWM). Target p95 < 100 ms each.

Checks (OK/FAIL, exit 1 when one fails): every answer was 200, and each page shows what the data holds, as
the bench's own SQL says (the order an e-mail search must find, the newest order, a deep page's first order,
the CSV's row count ...). `--self-test` (tiny size) asks one page for a text the data does not hold (the
e-mail search's expected order swapped for another one): its check must FAIL.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from bench.cluster import RedisServer, WebServer  # noqa: E402
from bench.load_login import sign_in  # noqa: E402
from bench.mfa_enrolment import BENCH_TOTP_SECRET  # noqa: E402
from bench.scratch_database import schema_url  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402

TARGET_P95_MS = 100
METRICS_TOKEN = "scale-bench-metrics-token-0123456789"  # noqa: S105  the bench's own server only


@dataclass
class Page:
    label: str
    path: str
    shows: str  # a text the answer must contain (from the bench's SQL)
    who: str = "owner"
    api: bool = False
    metrics: bool = False
    csv_rows: int | None = None  # a CSV: its number of data rows


def scale_url(schema: str, fresh: bool) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        sys.exit("scale: DATABASE_URL must name a PostgreSQL database (the bench is about PostgreSQL)")
    return schema_url(base, schema, fresh=fresh)


def one(connection, sql: str, **params):
    return connection.execute(text(sql), params).scalar()


def plan_pages(url: str) -> list[Page]:
    """The pages and what each must show, from plain SQL on the generated data (not from the app)."""
    engine = create_engine(url)
    with engine.connect() as c:
        account = one(c, "SELECT id FROM account WHERE name = 'Scale Apparel'")
        channel = one(c, "SELECT channel_id FROM sku_mapping LIMIT 1")
        channel_name = one(c, "SELECT name FROM sales_channel WHERE id = :c", c=channel)
        first_order = one(
            c,
            "SELECT number FROM sales_order WHERE account_id = :a"
            " ORDER BY store_created_at DESC, id DESC LIMIT 1",
            a=account,
        )
        orders = one(c, "SELECT count(*) FROM sales_order WHERE account_id = :a", a=account)
        deep_page = max(1, min(2000, orders // 50))
        deep_order = one(
            c,
            "SELECT number FROM sales_order WHERE account_id = :a"
            " ORDER BY store_created_at DESC, id DESC OFFSET :o LIMIT 1",
            a=account,
            o=(deep_page - 1) * 50,
        )
        some = one(
            c,
            "SELECT id FROM sales_order WHERE account_id = :a ORDER BY id OFFSET :o LIMIT 1",
            a=account,
            o=orders // 3,
        )
        number, name, email = c.execute(
            text("SELECT number, customer_name, customer_email FROM sales_order WHERE id = :i"), {"i": some}
        ).one()
        by_name = one(
            c,
            "SELECT number FROM sales_order WHERE account_id = :a AND customer_name = :n"
            " ORDER BY store_created_at DESC, id DESC LIMIT 1",
            a=account,
            n=name,
        )
        run_new, run_old = c.execute(
            text("SELECT max(id), min(id) FROM sync_run WHERE channel_id = :c"), {"c": channel}
        ).one()
        event_new = one(c, "SELECT message FROM sync_event WHERE run_id = :r ORDER BY id LIMIT 1", r=run_new)
        event_old = one(c, "SELECT message FROM sync_event WHERE run_id = :r ORDER BY id LIMIT 1", r=run_old)
        failed = one(c, "SELECT count(*) FROM pending_order WHERE channel_id = :c", c=channel)
        failed_deep = max(1, min(50, failed // 50))
        products = one(c, "SELECT count(*) FROM product WHERE account_id = :a", a=account)
        product_deep = max(1, min(1000, products // 50))
        deep_product = one(
            c,
            "SELECT name FROM product WHERE account_id = :a ORDER BY name, id OFFSET :o LIMIT 1",
            a=account,
            o=(product_deep - 1) * 50,
        )
        sku = one(c, "SELECT sku FROM product_variant ORDER BY id OFFSET :o LIMIT 1", o=products)
        mappings = one(c, "SELECT count(*) FROM sku_mapping WHERE channel_id = :c", c=channel)
        mapping_deep = max(1, min(500, mappings // 50))
        deep_mapping = one(
            c,
            "SELECT channel_sku FROM sku_mapping WHERE channel_id = :c ORDER BY channel_sku_key"
            " OFFSET :o LIMIT 1",
            c=channel,
            o=(mapping_deep - 1) * 50,
        )
        mapped = one(
            c, "SELECT channel_sku FROM sku_mapping WHERE channel_id = :c ORDER BY id DESC LIMIT 1", c=channel
        )
        ready_first = one(
            c,
            "SELECT min(number) FROM sales_order WHERE account_id = :a AND status = 'approved'"
            " AND id = (SELECT min(id) FROM sales_order WHERE account_id = :a AND status = 'approved')",
            a=account,
        )
    engine.dispose()
    ch = f"/channels/{channel}"
    return [
        Page("channel list", "/channels/", channel_name),
        Page("channel main", f"{ch}/main", channel_name),
        Page("channel advanced", f"{ch}/advanced", channel_name),
        Page("channel history", f"{ch}/history", channel_name),
        Page("channel stock", f"{ch}/stock", channel_name),
        Page("sync actions", f"{ch}/sync", channel_name),
        Page("run events (newest run)", f"{ch}/sync/runs/{run_new}", event_new),
        Page("run events (oldest run)", f"{ch}/sync/runs/{run_old}", event_old),
        Page("failed orders", f"{ch}/sync/failed-orders", "NOPE-"),
        Page(f"failed orders p{failed_deep}", f"{ch}/sync/failed-orders?page={failed_deep}", "BS-9"),
        Page("orders", "/orders/", first_order),
        Page(f"orders p{deep_page}", f"/orders/?page={deep_page}", deep_order),
        Page("orders search number", f"/orders/?q={number}", number),
        Page("orders search name", f"/orders/?q={name}", by_name),
        Page("orders search e-mail", f"/orders/?q={email}", number),
        Page("orders search e-mail (masked)", f"/orders/?q={email}", number, who="user"),
        Page("order", f"/orders/{some}", number),
        Page("products", "/products/", "Scale"),
        Page(f"products p{product_deep}", f"/products/?page={product_deep}", deep_product),
        Page("products SKU search", f"/products/?q={sku}", sku),
        Page("mappings warehouses", f"{ch}/mappings/warehouses", "Warehouse 1"),
        Page("mappings carriers", f"{ch}/mappings/carriers", channel_name),
        Page("mappings skus", f"{ch}/mappings/skus", "BS-SC-"),
        Page(f"mappings skus p{mapping_deep}", f"{ch}/mappings/skus?page={mapping_deep}", deep_mapping),
        Page("mappings sku search", f"{ch}/mappings/skus?q={mapped}", mapped),
        Page("mappings skus CSV", f"{ch}/mappings/skus/export", mapped, csv_rows=mappings),
        Page("overview", "/overview", "Scale Apparel"),
        Page("API keys", "/api-keys/", "Scale bench"),
        Page("/metrics", "/metrics", "techoms", metrics=True),
        Page("API ready orders", "/api/v1/orders?fulfilment=ready&limit=100", ready_first, api=True),
    ]


def percentile(sorted_ms: list[float], share: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(round(share * (len(sorted_ms) - 1))))]


class Sessions:
    """Logged-in HTTP sessions by role, on the busy account."""

    def __init__(self, base: str, account_id: int) -> None:
        self.base = base
        self.http: dict[str, requests.Session] = {}
        for who, email, secret in (
            ("owner", "owner@scale.test", BENCH_TOTP_SECRET),
            ("user", "user@scale.test", None),
        ):
            session = requests.Session()
            session.trust_env = False
            session.get = _prefixed(session.get, base)
            session.post = _prefixed(session.post, base)
            from bench.scale_data import PASSWORD

            token = sign_in(session, email, PASSWORD, secret)
            session.post("/accounts/switch", data={"account_id": account_id, "csrf_token": token})
            self.http[who] = session
        self.plain = requests.Session()
        self.plain.trust_env = False

    def get(self, page: Page, api_key: str) -> requests.Response:
        if page.api or page.metrics:
            token = api_key if page.api else METRICS_TOKEN
            return self.plain.get(
                self.base + page.path, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
        return self.http[page.who].get(page.path, allow_redirects=False)


def _prefixed(method, base: str):
    def call(path: str, name: str | None = None, **kwargs):
        return method(base + path, timeout=60, **kwargs)

    return call


def time_pages(sessions: Sessions, pages: list[Page], api_key: str, requests_each: int, worker) -> list[dict]:
    rows = []
    print(f"{'page':<32} {'p50 ms':>8} {'p95 ms':>8}  {'statuses':<12} {'load avg':>8}")
    for page in pages:
        timings, statuses, body = [], {}, ""
        for _ in range(requests_each):
            began = time.perf_counter()
            answer = sessions.get(page, api_key)
            timings.append((time.perf_counter() - began) * 1000)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            body = answer.text
        timings.sort()
        row = {
            "page": page,
            "p50": statistics.median(timings),
            "p95": percentile(timings, 0.95),
            "statuses": statuses,
            "body": body,
            "load": os.getloadavg()[0],
        }
        codes = ",".join(f"{code}×{count}" for code, count in sorted(statuses.items()))
        print(
            f"{page.label:<32} {row['p50']:>8.1f} {row['p95']:>8.1f}  {codes:<12} {row['load']:>8.2f}",
            flush=True,
        )
        rows.append(row)
    return rows


def check(rows: list[dict], rss: dict, verdicts: Verdicts) -> None:
    bad = [(r["page"].label, r["statuses"]) for r in rows if set(r["statuses"]) != {200}]
    verdicts.check("every answer was 200", not bad, f"not: {bad}" if bad else f"{len(rows)} pages")
    for row in rows:
        page = row["page"]
        if page.csv_rows is not None:
            data_rows = len(row["body"].strip().splitlines()) - 1
            verdicts.check(
                f"{page.label} shows the data",
                page.shows in row["body"] and data_rows == page.csv_rows,
                f"{data_rows:,} rows (SQL: {page.csv_rows:,}), holds {page.shows}",
            )
        else:
            verdicts.check(
                f"{page.label} shows the data", page.shows in row["body"], f"expects {page.shows!r}"
            )
    slow = [f"{r['page'].label} ({r['p95']:.0f} ms)" for r in rows if r["p95"] >= TARGET_P95_MS]
    print(
        f"target p95 < {TARGET_P95_MS} ms on every page: {'met' if not slow else 'NOT met'}"
        + (f"; over it: {', '.join(slow)}" if slow else "")
    )
    print(f"web worker peak RSS {rss['peak'] / 2**20:.0f} MiB (at start {rss['start'] / 2**20:.0f} MiB)")


def reused_api_key(key_file: Path, account_id: int) -> str:
    """The key the generation wrote down; a new one for the busy account when that file is gone."""
    if key_file.exists():
        return key_file.read_text()
    from extensions import db
    from models.tenancy import Account
    from services import api_keys

    _row, key = api_keys.create_key(db.session.get(Account, account_id), "Scale bench", None)
    db.session.commit()
    key_file.write_text(key)
    return key


def web_worker(web: WebServer) -> psutil.Process:
    children = psutil.Process(web.process.pid).children()
    return children[0]


def peak_rss(process: psutil.Process) -> int:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="size factor (1 = the issue's full size)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--reuse", action="store_true", help="time the pages on the data already generated")
    parser.add_argument("--schema", default="bench_scale", help="the PostgreSQL schema the data lives in")
    parser.add_argument("--self-test", action="store_true", help="spoil one expectation: its check must FAIL")
    args = parser.parse_args()
    if args.self_test:
        args.scale, args.requests, args.reuse = 0.001, 3, False
        args.schema = "bench_scale_self_test"
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    os.environ["TECHOMS_INSTANCE_PATH"] = str(work)
    url = scale_url(args.schema, fresh=not args.reuse)
    # By database and schema: the temporary directory is shared with other databases' runs.
    key_file = work.parent / f"bench-scale-{make_url(url).database}-{args.schema}-api-key"
    redis_server = RedisServer(work)
    from bench import scale_data
    from extensions import db

    web = None
    try:
        from app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_server.url})
        with app.app_context():
            began = time.perf_counter()
            with redirect_stderr(io.StringIO()):  # Alembic's log of every migration
                upgrade()  # on --reuse: the migrations added since the data was generated
            print(f"scale: schema migrated in {time.perf_counter() - began:.1f} s")
            if not args.reuse:
                print(f"scale: generating x{args.scale}")
                made = scale_data.generate(scale_data.Sizes.scaled(args.scale))
                for table, count in sorted(made.rows.items()):
                    print(f"  {table:<20} {count:>10,}")
                print(f"scale: data generated in {made.seconds:.1f} s")
                api_key = made.api_key
                key_file.write_text(api_key)
            account_id = db.session.scalar(text("SELECT id FROM account WHERE name = 'Scale Apparel'"))
            if args.reuse:
                api_key = reused_api_key(key_file, account_id)
            env_keys = ",".join(app.config["TOKEN_ENCRYPTION_KEYS"])
        if args.requests < 1:
            return
        pages = plan_pages(url)
        if args.self_test:
            swapped = next(p for p in pages if p.label == "orders search e-mail")
            swapped.shows = "BS-00000000"
            print("  self-test: the e-mail search is expected to show an order no e-mail has")
        env = {
            "TECHOMS_INSTANCE_PATH": str(work),
            "DATABASE_URL": url,
            "REDIS_URL": redis_server.url,
            "TOKEN_ENCRYPTION_KEYS": env_keys,
            "SECRET_KEY": "scale-bench-secret-key-with-at-least-32-characters",
            "METRICS_TOKEN": METRICS_TOKEN,
            # One API key asks for the ready orders 200 times in a few seconds: the per-key limit (120 a
            # minute by default) is not what is timed here.
            "API_RATE_LIMIT": "100000/minute",
        }
        web = WebServer(env, work, workers=1)
        worker = web_worker(web)
        rss = {"start": peak_rss(worker)}
        sessions = Sessions(web.base_url, account_id)
        print(f"scale: {args.requests} requests per page, gunicorn 1 worker, PostgreSQL schema {args.schema}")
        rows = time_pages(sessions, pages, api_key, args.requests, worker)
        rss["peak"] = peak_rss(worker)
        verdicts = Verdicts()
        check(rows, rss, verdicts)
    finally:
        if web is not None:
            web.stop()
        redis_server.stop()
    verdicts.finish()


if __name__ == "__main__":
    main()
