"""gunicorn's own log lines (boot, workers, and the access log when enabled) in the same JSON form:
`gunicorn --logger-class observability.gunicorn_logging.JsonGunicornLogger`."""

from __future__ import annotations

from gunicorn.glogging import Logger

from observability.json_logs import JsonFormatter


class JsonGunicornLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.setFormatter(JsonFormatter())
