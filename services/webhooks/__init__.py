"""Event webhooks of an account: endpoints and their secrets (endpoints.py), turning outbox events into
deliveries (dispatch.py) and sending them in order with retries (sending.py)."""
