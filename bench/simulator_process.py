"""The Bright Sites simulator in a process of its own, as a real store would be: what every bench talks to
over HTTP. `Simulator(demo=True)` also serves the demo store."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Simulator:
    def __init__(self, *, demo: bool = False, start_tries: int = 200) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(self.port), *(["--demo"] if demo else [])],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.http = requests.Session()
        self.http.trust_env = False
        for _ in range(start_tries):
            try:
                self.http.get(f"{self.base_url}/__sandbox/stores", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("simulator did not start")

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.http.request(method, f"{self.base_url}/__sandbox{path}", json=body, timeout=600)
        response.raise_for_status()
        return response.json()

    def create_store(self, **spec) -> dict:
        return self.admin("POST", "/stores", spec)

    def calls(self, subdomain: str) -> int:
        return self.admin("GET", f"/stores/{subdomain}/calls")["total"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
