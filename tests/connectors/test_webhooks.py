"""Alert webhooks (issue 26, info): a host name that does not resolve is refused when the URL is saved, with
a message naming the webhook; a delivery that meets one says the webhook's host, not the store's."""

from __future__ import annotations

import pytest

from connectors.webhooks import WebhookFailed, WebhookRefused, normalise_webhook_url, post_json


def test_a_host_name_that_does_not_resolve_is_refused_at_save():
    with pytest.raises(WebhookRefused, match="host name does not resolve: no-such-host.invalid"):
        normalise_webhook_url("https://no-such-host.invalid/hook")


def test_a_delivery_to_a_host_that_does_not_resolve_names_the_webhook():
    with pytest.raises(WebhookFailed) as failed:
        post_json("https://no-such-host.invalid/hook", {"event": "test"})
    assert str(failed.value) == "The webhook's host name does not resolve: no-such-host.invalid."
    assert "store" not in str(failed.value)
