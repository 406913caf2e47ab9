"""A sync worker yields the CPU to the web: on a machine both share, pages get the cores first and imports
take what is left (bench/load.py on 2 cores, three channels importing: the pages' p95 went from 2.0–2.6 s to
0.16–0.35 s).

Linux shares the CPU fairly between sessions (autogroups) whatever a process's nice value, so a worker that
leads a session of its own (`setsid`, a supervisor's separate process) lowers its session's priority too;
a worker in a shared session (a shell's, `make run`'s) lowers only its own, never its neighbours'. Under
systemd or in a container, give the worker a lower CPUWeight / cpu-shares as well: nice does not cross
cgroups."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

AUTOGROUP = Path("/proc/self/autogroup")


def lower(nice: int) -> None:
    """Add `nice` (0-19) to this process's niceness and, when it leads its session, its session's."""
    if nice <= 0:
        return
    os.nice(nice)
    if os.getsid(0) == os.getpid():
        with contextlib.suppress(OSError):  # not Linux, or a kernel without autogroups
            AUTOGROUP.write_text(str(nice))
