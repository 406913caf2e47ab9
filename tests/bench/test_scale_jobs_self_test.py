"""bench/scale_jobs.py's self-test: PostgreSQL only (its data is bench/scale_data.py's PostgreSQL SQL), so it
runs when the suite does (DATABASE_URL), in schemas of its own, with its own simulator and redis-server. The
spoiled expectations (a store inventory row set to a figure techOMS never published, a unit more expected
allocated than the waiting lines hold, one more order expected purged by the daily purges than the data
holds due) must be the three checks that FAIL, and the bench must exit 1; every other job's checks hold at
the tiny size."""

from __future__ import annotations

import os

import pytest

from tests.support.bench_self_tests import failed_lines, self_test

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="bench/scale_jobs.py is PostgreSQL only")
def test_the_scale_jobs_self_test_fails_exactly_the_spoiled_checks(tmp_path):
    output = self_test("scale_jobs.py", tmp_path, keep_database=True)
    failed = failed_lines(output)
    assert len(failed) == 3, output
    assert failed[0].startswith("FAIL inventory full: store figures = the bench's SQL:"), output
    assert failed[1].startswith("FAIL allocation: every level gains its waiting lines' open quantity:"), (
        output
    )
    assert failed[2].startswith("FAIL daily purges: every order due when they began was purged:"), output
    assert "OK   allocation: every waiting line allocated, none left" in output
    assert "OK   daily purges: no order purged before it was due" in output
    assert "OK   tick, nothing due: the same statements at 10 channels" in output
