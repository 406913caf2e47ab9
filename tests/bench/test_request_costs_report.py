"""The server-side breakdown bench/load.py prints from the web process's access lines."""

from __future__ import annotations

import json

from bench.request_costs_report import page_of, print_costs


def test_ids_fold_into_one_page():
    assert page_of("/channels/12/orders/3") == "/channels/:id/orders/:id"
    assert page_of("/channels/12/mappings/skus") == "/channels/:id/mappings/skus"


def test_per_page_costs_and_the_share_spent_waiting(tmp_path, capsys):
    def line(
        path: str, wall: float, cpu: float, db: float, run_queue: float = 0.0, in_db: float = 0.0
    ) -> str:
        record = {"logger": "techoms.access", "method": "GET", "path": path, "duration_ms": wall}
        costs = {"cpu_ms": cpu, "db_ms": db, "db_statements": 4, "cpu_wait_ms": run_queue}
        return json.dumps({**record, **costs, "cpu_wait_in_db_ms": in_db})

    log = tmp_path / "web.log"
    log.write_text(
        "\n".join(
            [
                "[gunicorn] Booting worker",  # not JSON: skipped
                line("/channels/1/main", 100, 20, 40, 20, 10),  # 10 of the 20 waited inside a statement
                line("/channels/2/main", 60, 20, 30),
                json.dumps({"logger": "techoms.sync", "message": "sync run started"}),
                line("/orders/", 40, 10, 10),
            ]
        )
    )
    print_costs(log)
    out = capsys.readouterr().out
    (channel_row,) = [row for row in out.splitlines() if "GET /channels/:id/main" in row]
    assert channel_row.split()[-8:] == ["2", "80.0", "100.0", "20.0", "20.0", "30.0", "4", "30.0"]
    # 200 ms in all: 50 CPU, 20 waiting for a CPU, 70 database (80 less the 10 waited inside), 60 the rest
    assert (
        "25% CPU of the serving thread, 10% ready but waiting for a CPU (run queue), 35% in database" in out
    )
    assert "30% the rest" in out
