"""The account-level alert made when the sender disables one of the account's webhook endpoints (no delivery
succeeded for the retry window). It has no channel; the job that disabled the endpoint queues its sending."""

from __future__ import annotations

from datetime import datetime

from extensions import db
from models.alerts import Alert, AlertKind
from models.webhooks import WebhookEndpoint


def endpoint_disabled(endpoint: WebhookEndpoint, now: datetime) -> Alert:
    """The alert, added to the session and flushed (it has its id); the caller commits."""
    since = endpoint.failing_since or now
    alert = Alert(
        account_id=endpoint.account_id,
        channel_id=None,
        kind=AlertKind.WEBHOOK_DISABLED,
        subject=f"techOMS: webhook endpoint {endpoint.url} disabled"[:200],
        body="\n".join(
            [
                f"The webhook endpoint {endpoint.url} was disabled on {now:%Y-%m-%d %H:%M} UTC:",
                f"no delivery to it succeeded since {since:%Y-%m-%d %H:%M} UTC.",
                endpoint.disabled_reason,
                "Its deliveries wait, nothing is lost: fix the receiver, then Re-enable the endpoint",
                "in techOMS: API keys › Webhooks (/api-keys/webhooks/).",
            ]
        ),
    )
    db.session.add(alert)
    db.session.flush()
    return alert
