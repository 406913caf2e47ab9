"""Event webhooks of an account: endpoints, their secrets and the delivery log's reads. Turning outbox events
into deliveries and sending them own their transactions: sync/webhook_dispatch.py, sync/webhook_sending.py."""
