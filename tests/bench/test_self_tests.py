"""Each bench's `--self-test` tampers with the outcome (a shipment taken off the store, a wrong stock figure,
a PII value left, a login refused ...) and the bench's own checks must say so: FAIL printed for exactly the
checks the tampering breaks, and a non-zero exit. A check that could not fail would pass here and fail this
test. Each runs as its own process, as the bench is run by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def self_test(script: str, tmp_path: Path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--self-test", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def failed_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("FAIL ")]


@pytest.mark.parametrize(
    ("script", "must_fail"),
    [
        ("export_shipments.py", {"0 missing on the store", "store orders updated as the options ask"}),
        ("export_inventory.py", {"store figures = techOMS availability (plain SQL)"}),
        ("purge_pii.py", {"0 addresses with a name, company, street, e-mail or phone"}),
        ("scaling.py", {"1 worker(s): each run's work executed once (store calls = floor)"}),
        ("oversell.py", {"0 units oversold after every step", "billed calls ≤ 1.3 × floor"}),
        (
            "import_orders.py",
            {
                "imported orders = store orders in the bench's statuses",
                "imported contents = the store's (status, total, lines)",
            },
        ),
    ],
)
def test_the_self_test_fails_exactly_the_tampered_checks(script, must_fail, tmp_path):
    output = self_test(script, tmp_path)
    failed = failed_lines(output)
    assert len(failed) == len(must_fail), output
    for label in must_fail:
        assert any(line.startswith(f"FAIL {label}:") for line in failed), output
