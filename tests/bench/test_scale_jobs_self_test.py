"""bench/scale_jobs.py's self-test: PostgreSQL only (its data is bench/scale_data.py's PostgreSQL SQL), so it
runs when the suite does (DATABASE_URL), in schemas of its own, with its own simulator and redis-server. The
spoiled expectation (a store inventory row set to a figure techOMS never published) must be the one check
that FAILs, and the bench must exit 1; every other job's checks hold at the tiny size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="bench/scale_jobs.py is PostgreSQL only")
def test_the_scale_jobs_self_test_fails_exactly_the_spoiled_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "bench/scale_jobs.py", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    failed = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("FAIL ")]
    assert len(failed) == 1, done.stdout
    assert failed[0].startswith("FAIL inventory full: store figures = the bench's SQL:"), done.stdout
    assert "OK   tick, nothing due: the same statements at 10 channels" in done.stdout
