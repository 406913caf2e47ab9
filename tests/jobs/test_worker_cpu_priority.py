"""A worker yields the CPU to the web (jobs/cpu_priority.py): its own niceness always, its session's
(Linux autogroup) only when the session is its own, so a worker started from a shared shell never lowers
its neighbours. Real child processes; the kernel's own figures read back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import PROJECT_ROOT

AUTOGROUP = Path("/proc/self/autogroup")
READ_BACK = (
    "import os; from jobs import cpu_priority; cpu_priority.lower({nice}); print(os.nice(0));"
    " print(open('/proc/self/autogroup').read().strip())"
)

pytestmark = pytest.mark.skipif(not AUTOGROUP.exists(), reason="Linux autogroups only")


def lowered(nice: int, *, own_session: bool) -> tuple[int, str]:
    """The child's niceness and its autogroup line after lowering by `nice`."""
    out = subprocess.run(
        [sys.executable, "-c", READ_BACK.format(nice=nice)],
        cwd=PROJECT_ROOT,
        start_new_session=own_session,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return int(out[0]), out[1]


def test_a_worker_leading_its_session_lowers_the_sessions_priority():
    nice, autogroup = lowered(7, own_session=True)
    assert nice == min(os.nice(0) + 7, 19)
    assert autogroup.endswith("nice 7")


def test_a_worker_in_a_shared_session_lowers_only_itself():
    ours = AUTOGROUP.read_text().strip()
    nice, autogroup = lowered(7, own_session=False)
    assert nice == min(os.nice(0) + 7, 19)
    assert autogroup == ours and AUTOGROUP.read_text().strip() == ours  # the shared session is untouched


def test_nothing_changes_at_zero():
    nice, autogroup = lowered(0, own_session=True)
    assert nice == os.nice(0) and autogroup.endswith("nice 0")
