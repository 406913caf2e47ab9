"""Running a bench's `--self-test` as its own process, as it is run by hand, and reading its FAIL lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def self_test(script: str, tmp_path: Path, *extra: str, keep_database: bool = False) -> str:
    """The bench's output; it must exit 1. Its own Redis always; the test's database only with
    `keep_database` (the PostgreSQL-only benches), else its own."""
    dropped = ("REDIS_URL",) if keep_database else ("DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
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
