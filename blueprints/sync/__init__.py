"""Quick actions › Sync and the Sync Actions section, all on the `sync` blueprint: start runs (import
orders, export shipments, export inventory, full inventory compare, import products), watch them, read their
events, the failed orders grouped by cause and retried one by one or a group at a time, and manual API
logging.

`section` creates the blueprint and shows the Sync Actions view; `run_starts` starts runs by hand (asking
first past the allowance: `allowance`), `run_views` shows a run and its progress, `failed_order_retries`
lists the failed orders and retries them, `api_logging` switches manual logging. Importing them here adds
their routes to the blueprint before the app registers it.
"""

from __future__ import annotations

from blueprints.sync import api_logging, failed_order_retries, run_starts, run_views
from blueprints.sync.run_starts import start_export
from blueprints.sync.section import bp

__all__ = ["api_logging", "bp", "failed_order_retries", "run_starts", "run_views", "start_export"]
