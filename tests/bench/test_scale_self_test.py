"""bench/scale.py's self-test: PostgreSQL only (the bench generates its data with PostgreSQL SQL), so it
runs when the suite does (DATABASE_URL), in a schema of its own. The spoiled expectation (the e-mail search
must show an order no e-mail has) must be the one check that FAILs, and the bench must exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="bench/scale.py is PostgreSQL only")
def test_the_scale_self_test_fails_exactly_the_spoiled_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "bench/scale.py", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    failed = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("FAIL ")]
    assert len(failed) == 1, done.stdout
    assert failed[0].startswith("FAIL orders search e-mail shows the data:"), done.stdout


@pytest.mark.skipif(not ON_POSTGRESQL, reason="bench/scale_cron_purge.py is PostgreSQL only")
def test_the_cron_and_purge_self_test_fails_exactly_the_spoiled_check(tmp_path):
    """bench/scale_cron_purge.py --self-test expects more orders purged than the data holds due."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "bench/scale_cron_purge.py", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    failed = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("FAIL ")]
    assert len(failed) == 1, done.stdout
    assert failed[0].startswith("FAIL year: every order due when the jobs began was purged:"), done.stdout
