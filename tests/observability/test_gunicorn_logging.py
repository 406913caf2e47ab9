"""gunicorn's own lines, and its access log when enabled, in the JSON form, secrets masked."""

from __future__ import annotations

import json

from gunicorn.config import Config

from observability.gunicorn_logging import JsonGunicornLogger


def test_gunicorn_error_and_access_lines_are_json_and_redacted(tmp_path):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = JsonGunicornLogger(config)
    logger.info("Booting worker with pid: %s", 123)
    logger.access_log.info('"%s" %s', "POST /intake/brightsites/pub1/SECRETSEG?token=SENTINEL HTTP/1.1", 202)
    for handler in (*logger.error_log.handlers, *logger.access_log.handlers):
        handler.flush()
    error_line = json.loads((tmp_path / "error.log").read_text().splitlines()[-1])
    assert (
        error_line["logger"] == "gunicorn.error" and error_line["message"] == "Booting worker with pid: 123"
    )
    access_text = (tmp_path / "access.log").read_text()
    access = json.loads(access_text.splitlines()[-1])
    assert access["message"] == '"POST /intake/brightsites/pub1/***?token=*** HTTP/1.1" 202'
    assert "SECRETSEG" not in access_text and "SENTINEL" not in access_text
    for handler in (*logger.error_log.handlers, *logger.access_log.handlers):
        handler.close()
