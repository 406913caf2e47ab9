"""The sync engine: the registry of actions (actions.py), starting a run (start.py), the one executor that
runs an attempt of any action and ends it (executor.py, with context.py and outcomes.py), run bookkeeping
(runs.py, schedule.py), and the actions (import_orders.py with order_upsert.py, import_pushed.py,
export_shipments.py with store_order_update.py, export_inventory.py with its inventory_*.py parts,
import_products.py, purge_pii.py; call_recorder.py logs API calls when manual logging is on). It calls the
Bright Sites client and knows nothing of RQ or HTTP requests; jobs/ runs it in a worker."""
