"""The RQ sync queue seen from below the entry points: enqueueing runs and pushes, looking jobs up. Views,
the app factory and the job entry points use it; `sync/` never does (it knows nothing of RQ)."""

SYNC_QUEUE = "sync"  # the one RQ queue: sync runs, pushes and alerts
