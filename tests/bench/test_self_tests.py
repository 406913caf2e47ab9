"""Each bench's `--self-test` tampers with the outcome (a shipment taken off the store, a wrong stock figure,
a PII value left, a login refused ...) and the bench's own checks must say so: FAIL printed for exactly the
checks the tampering breaks, and a non-zero exit. A check that could not fail would pass here and fail this
test. Each runs as its own process, as the bench is run by hand."""

from __future__ import annotations

import pytest

from tests.support.bench_self_tests import failed_lines, self_test


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
