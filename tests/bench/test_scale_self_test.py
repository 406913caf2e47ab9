"""bench/scale.py's self-test: PostgreSQL only (the bench generates its data with PostgreSQL SQL), so it
runs when the suite does (DATABASE_URL), in a schema of its own. The spoiled expectation (the e-mail search
must show an order no e-mail has) must be the one check that FAILs, and the bench must exit 1."""

from __future__ import annotations

import os

import pytest

from tests.support.bench_self_tests import failed_lines, self_test

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="bench/scale.py is PostgreSQL only")
def test_the_scale_self_test_fails_exactly_the_spoiled_check(tmp_path):
    output = self_test("scale.py", tmp_path, keep_database=True)
    failed = failed_lines(output)
    assert len(failed) == 1, output
    assert failed[0].startswith("FAIL orders search e-mail shows the data:"), output
