"""The sync engine: run bookkeeping (runs.py, schedule.py), the engine that opens a client and ends a run
(engine.py), and the actions (import_orders.py with order_upsert.py, export_shipments.py with
store_order_update.py, export_inventory.py; call_recorder.py logs API calls when manual logging is on). It
calls the Bright Sites client and knows nothing of RQ or HTTP requests; jobs/ runs it in a worker."""
