"""JSON log lines: one line per record whatever the text (LOG-04), the context fields, redaction."""

from __future__ import annotations

import json
import logging

from observability import log_context
from observability.json_logs import JsonFormatter
from observability.redaction import redact, redact_path
from tests.support.log_capture import captured_logs

log = logging.getLogger("techoms.test")


def test_a_newline_in_user_text_stays_in_one_record():
    with captured_logs() as logs:
        log.info("user %s did a thing", 'mallory\n{"level": "INFO", "message": "forged"}\r\nnext')
        log.info("extra too", extra={"name_given": "a\nb"})
    lines = logs.lines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"].startswith("user mallory\n{")
    assert second["name_given"] == "a\nb"


def test_a_line_carries_its_context_and_a_utc_timestamp():
    with (
        captured_logs() as logs,
        log_context.bound(run_id=7, channel_id=3, job_id="sync-run-7", user_id=None),
    ):
        log.warning("inside a run")
    (record,) = logs.records("techoms.test")
    assert record["run_id"] == 7 and record["channel_id"] == 3 and record["job_id"] == "sync-run-7"
    assert "user_id" not in record
    assert record["time"].endswith("Z") and record["level"] == "WARNING"


def test_the_context_ends_with_its_block():
    with captured_logs() as logs:
        with log_context.bound(run_id=1):
            pass
        log.info("after")
    assert "run_id" not in logs.records("techoms.test")[0]


def test_tokens_and_secret_path_segments_are_masked_everywhere():
    formatter = JsonFormatter()
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s://%s:%s "%s %s %s" %s %s',
        ("https", "shop.example", 443, "GET", "/api/orders?token=SENTINEL123&page=2", "HTTP/1.1", 200, 10),
        None,
    )
    record.url = "/intake/brightsites/pub123/SECRETSEGMENT"
    line = formatter.format(record)
    assert "SENTINEL123" not in line and "SECRETSEGMENT" not in line
    assert "token=***" in line and "/intake/brightsites/pub123/***" in line


def test_redact_path_masks_only_the_last_segment_of_intake_paths():
    assert redact_path("/intake/brightsites/pub/s3cret") == "/intake/brightsites/pub/***"
    assert redact_path("/channels/12/main") == "/channels/12/main"
    assert (
        redact("POST /intake/brightsites/pub/s3cret HTTP/1.1") == "POST /intake/brightsites/pub/*** HTTP/1.1"
    )


def test_an_exception_is_one_line_with_its_traceback():
    with captured_logs() as logs:
        try:
            raise ValueError("bad\nthing token=SENTINEL9")
        except ValueError:
            log.exception("failed")
    (line,) = logs.lines()
    record = json.loads(line)
    assert "ValueError" in record["exception"] and "SENTINEL9" not in line
