"""A bench's checks: each printed OK or FAIL with what it compared, and the exit status they decide.

A bench takes its expected figures from the simulator's state or from a computation of its own (plain SQL or
arithmetic), never from the code it measures; its `--self-test` tampers with the outcome and must end in FAIL
and a non-zero exit (tests/bench/ runs them)."""

from __future__ import annotations

import sys


class Verdicts:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.passed = 0

    def check(self, label: str, ok: bool, detail: str = "") -> bool:
        print(f"  {'OK  ' if ok else 'FAIL'} {label}" + (f": {detail}" if detail else ""), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed.append(label)
        return ok

    def finish(self) -> None:
        """Exit 1 when a check failed (the self-test's expected end), else 0."""
        if self.failed:
            total = len(self.failed) + self.passed
            print(f"FAIL: {len(self.failed)} of {total} checks failed: {self.failed}")
            sys.exit(1)
        print(f"all {self.passed} checks hold")
        sys.exit(0)
