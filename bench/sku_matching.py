"""Auto-map's proposals at scale: building the index of 50,000 techOMS SKUs and matching store SKUs that map
to nothing, per rule (services/mappings/sku_matching.py, pure: no database).

    .venv/bin/python bench/sku_matching.py [--skus 50000] [--unmatched 2000]

The catalog is `ITEM-{n:05d}-{size}-{colour}`; the store SKUs are spelled so that each rule has work: without
separators, with an extra segment, with an abbreviated colour, with a glued suffix, and SKUs matching nothing
(those try every rule). Prints the index time, the time per store SKU for each kind and what was proposed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.mappings.sku_matching import Proposal, SkuMatcher  # noqa: E402

SIZES = ("S", "M", "L", "XL", "2XL")
COLOURS = ("NAVY", "BLACK", "WHITE", "RED", "GREEN")


def catalog(count: int) -> list[tuple[str, int]]:
    rows = []
    for n in range(count):
        item, rest = divmod(n, len(SIZES) * len(COLOURS))
        size, colour = divmod(rest, len(COLOURS))
        rows.append((f"ITEM-{item:05d}-{SIZES[size]}-{COLOURS[colour]}", n + 1))
    return rows


SPELLINGS = {
    "separators": lambda sku: sku.replace("-", "_").lower(),
    "extra segment on the store": lambda sku: sku.replace("ITEM-", "ITEM-V2-"),
    "abbreviation": lambda sku: sku.replace("NAVY", "NVY").replace("BLACK", "BLK").replace("GREEN", "GRN"),
    "glued": lambda sku: sku.replace("-", "", 1) + "X",
    "nothing": lambda sku: "SUPPLIER-" + sku.replace("-", "")[::-1],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--unmatched", type=int, default=2_000, help="store SKUs per kind")
    args = parser.parse_args()
    rows = catalog(args.skus)
    started = time.perf_counter()
    matcher = SkuMatcher(rows)
    print(f"index of {len(rows):,} techOMS SKUs: {time.perf_counter() - started:.2f} s")
    step = max(1, len(rows) // args.unmatched)
    sample = [sku for sku, _ in rows[::step]][: args.unmatched]
    for kind, spell in SPELLINGS.items():
        skus = [spell(sku) for sku in sample]
        started = time.perf_counter()
        results = [matcher.match(sku) for sku in skus]
        elapsed = time.perf_counter() - started
        proposed = [r for r in results if isinstance(r, Proposal)]
        rules = sorted({r.rule for r in proposed})
        each = 1000 * elapsed / len(skus)
        print(
            f"{kind:<28} {len(skus):>6,} store SKUs: {elapsed:6.2f} s ({each:.3f} ms each),"
            f" {len(proposed):,} proposed ({', '.join(rules) or 'none'})"
        )


if __name__ == "__main__":
    main()
