"""A tiny webhook receiver: verifies each delivery's signature and prints it (README walk-through), and the
receiver the tests and bench/webhooks.py run in-process (failing some share of requests, or down).

    .venv/bin/python -m bench.webhook_receiver --port 8765 --secret whsec_...

It listens on plain HTTP on 127.0.0.1: in development WEBHOOK_ROUTE_TO=http://127.0.0.1:8765 sends every
endpoint's deliveries there (the endpoint's https URL keeps its path).
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from connectors.signed_webhooks import SIGNATURE_HEADER, verify


@dataclass
class Delivery:
    event_id: str
    event_type: str
    body: dict
    verified: bool
    received_at: float
    path: str


@dataclass
class Receiver:
    secret: str = ""
    fail_rate: float = 0.0  # share of requests answered 500
    status: int = 200  # what a request that does not fail gets
    answer: bytes = b'{"ok": true}'
    down: bool = False  # answer 503 to everything (a receiver that is down)
    seed: int = 7
    deliveries: list[Delivery] = field(default_factory=list)
    refused: int = 0
    echo: bool = False

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self, port: int = 0) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(receiver.handle(self.path, self.headers, body))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, path: str, headers, body: bytes) -> int:
        with self._lock:
            if self.down or self._random.random() < self.fail_rate:
                self.refused += 1
                return 503 if self.down else 500
            verified = bool(self.secret) and verify(
                self.secret, headers.get(SIGNATURE_HEADER, ""), body, now=int(time.time())
            )
            event = json.loads(body)
            delivery = Delivery(event["id"], event["type"], event, verified, time.time(), path)
            self.deliveries.append(delivery)
        if self.echo:
            mark = "verified" if verified else "SIGNATURE NOT VERIFIED"
            print(f"{event['type']} {event['id']} ({mark}): {json.dumps(event.get('data'))}", flush=True)
        return self.status if verified or not self.secret else 401


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", required=True, help="the endpoint's signing secret (whsec_...)")
    args = parser.parse_args()
    receiver = Receiver(secret=args.secret, echo=True)
    print(f"Listening on {receiver.start(args.port)}; Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
