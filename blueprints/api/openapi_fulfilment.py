"""The OpenAPI paths and schemas of the fulfilment side: GET /orders, GET /orders/{id}, GET /events, and the
webhook deliveries (described as an OpenAPI 3.1 `webhooks` entry). Merged into the document by openapi.py."""

from __future__ import annotations

from typing import Any

from models.orders import OrderStatus
from models.outbox import EVENT_TYPES


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


ORDER_SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {
            "type": "integer",
            "description": "The techOMS order id (path of /orders/{id} and its shipments).",
        },
        "number": {"type": "string"},
        "channel_id": {"type": "integer"},
        "status": {"type": "string", "enum": [status.value for status in OrderStatus]},
        "store_status": {"type": "string"},
        "ready_to_ship": {"type": "boolean"},
        "quantity_left": {"type": "integer", "description": "Physical units not yet shipped."},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}

ORDER_SCHEMA = {
    "allOf": [
        {"$ref": "#/components/schemas/OrderSummary"},
        {
            "type": "object",
            "properties": {
                "carrier": {
                    "type": "object",
                    "description": "The techOMS carrier and service the store's shipping method maps to.",
                    "properties": {
                        "carrier": {"type": ["string", "null"]},
                        "service": {"type": ["string", "null"]},
                        "method": {"type": "string", "description": "The store's shipping method."},
                    },
                },
                "totals": {"type": "object", "additionalProperties": {"type": "string", "format": "decimal"}},
                "currency": {
                    "type": ["string", "null"],
                    "description": "ISO 4217 code of the totals and prices: the channel's Store currency "
                    "setting (Bright Sites sends amounts without one); null when it is not set.",
                },
                "lines": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {
                                "type": "integer",
                                "description": "The line_id a shipment is posted with.",
                            },
                            "sku": {"type": "string"},
                            "name": {"type": "string"},
                            "variant": {
                                "type": ["object", "null"],
                                "properties": {"id": {"type": "integer"}, "sku": {"type": "string"}},
                            },
                            "warehouse": {
                                "type": ["string", "null"],
                                "description": "Where it is allocated.",
                            },
                            "physical": {"type": "boolean"},
                            "ordered": {"type": "integer"},
                            "shipped": {"type": "integer"},
                            "left": {"type": "integer"},
                            "allocated": {"type": "integer"},
                        },
                    },
                },
                "shipments": {"type": "array", "items": {"$ref": "#/components/schemas/Shipment"}},
                "notes": {
                    "type": "array",
                    "description": "Notes techOMS added to the store order (oldest first), with where each "
                    "stands; the store's own notes are not copied.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "text": {
                                "type": ["string", "null"],
                                "description": "null once the retention purge removed it.",
                            },
                            "created_at": {"type": "string", "format": "date-time"},
                            "on_store": {"type": "boolean", "description": "The store confirmed it."},
                            "state": {
                                "type": "string",
                                "enum": ["queued", "sending", "unsure", "done", "failed"],
                            },
                        },
                    },
                },
                "hold": {
                    "type": "object",
                    "description": "A hold put in techOMS: the order is not ready and takes no shipment.",
                    "properties": {
                        "held": {"type": "boolean"},
                        "since": {"type": ["string", "null"], "format": "date-time"},
                        "reason": {"type": "string"},
                    },
                },
                "customer": {
                    "type": ["object", "null"],
                    "description": "null once the retention purge removed it (see `pii`).",
                    "properties": {
                        "name": {"type": ["string", "null"]},
                        "email": {"type": ["string", "null"]},
                        "phone": {"type": ["string", "null"]},
                    },
                },
                "addresses": {"type": ["array", "null"], "items": {"type": "object"}},
                "pii": {
                    "type": "object",
                    "properties": {
                        "purged": {"type": "boolean"},
                        "purged_at": {"type": ["string", "null"], "format": "date-time"},
                    },
                },
            },
        },
    ]
}

EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {
            "type": "string",
            "description": "evt_<n>: the same on every delivery of the event (de-duplicate).",
        },
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "created_at": {"type": "string", "format": "date-time"},
        "position": {"type": "integer", "description": "Commit order within techOMS."},
        "object": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["order", "shipment", "channel"]},
                "id": {"type": "integer"},
                "version": {"type": "integer", "description": "Counts the object's events, in commit order."},
            },
        },
        "data": {"type": "object", "description": "A summary of the object at the change."},
    },
}

COMMON = {
    "401": _error("No key, or a key that is unknown or revoked."),
    "403": _error("The key's account is disabled."),
    "429": _error("Too many requests with this key."),
}

ORDERS_PATH = {
    "get": {
        "operationId": "listOrders",
        "summary": "List orders (what to ship)",
        "description": (
            "Oldest first, in pages of `limit`. Pass `next_cursor` back as `cursor` for the next page; "
            "orders created or changed meanwhile never shift or repeat a page. `fulfilment=ready`: approved, "
            "allocated, not held, not cancelled, something left to ship. Unknown parameters answer 422."
        ),
        "parameters": [
            _query("cursor", "`next_cursor` of the previous page, as is.", {"type": "string"}),
            _query("limit", "Page size (default 50).", {"type": "integer", "minimum": 1, "maximum": 200}),
            _query("channel", "Channel ids, comma separated.", {"type": "string"}),
            _query("status", "Order statuses, comma separated.", {"type": "string"}),
            _query("fulfilment", "Only orders ready to ship.", {"type": "string", "enum": ["ready"]}),
            _query("updated_after", "ISO 8601 with offset.", {"type": "string", "format": "date-time"}),
        ],
        "responses": {
            "200": {
                "description": "A page.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "orders": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/OrderSummary"},
                                },
                                "next_cursor": {
                                    "type": ["string", "null"],
                                    "description": "null on the last page",
                                },
                            },
                        }
                    }
                },
            },
            **COMMON,
            "422": _error("A parameter cannot be used; the message names it (`cursor`, `status`, ...)."),
        },
    }
}

ORDER_PATH = {
    "get": {
        "operationId": "showOrder",
        "summary": "One order with its lines, shipments and contact",
        "parameters": [{"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {
            "200": {
                "description": "The order.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
            },
            **COMMON,
            "404": _error("No such order in the key's account."),
        },
    }
}

EVENTS_PATH = {
    "get": {
        "operationId": "listEvents",
        "summary": "The account's events in commit order",
        "description": (
            "Store `next_cursor` after handling a page and send it back as `after`: across restarts and "
            "concurrent writers no event is missed. Without `after`, from the first event kept. Delivered "
            "events older than the retention are deleted: a cursor before them answers 410."
        ),
        "parameters": [
            _query("after", "`next_cursor` of the previous page.", {"type": "string"}),
            _query("limit", "Page size (default 50).", {"type": "integer", "minimum": 1, "maximum": 200}),
            _query("type", "Event types, comma separated.", {"type": "string"}),
        ],
        "responses": {
            "200": {
                "description": "Events after the cursor.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                                "next_cursor": {"type": "string"},
                                "has_more": {"type": "boolean"},
                            },
                        }
                    }
                },
            },
            **COMMON,
            "410": {
                "description": (
                    "The cursor is before the retained events (the feed keeps OUTBOX_RETENTION_DAYS, 30 by "
                    "default): some events after it were deleted. Read the orders again with "
                    "`GET /orders?updated_after=`, then continue from `resume_cursor`."
                ),
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "errors": {"type": "object"},
                                "resume_cursor": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "422": _error("A parameter cannot be used; the message names it (`after`, `type`, ...)."),
        },
    }
}

WEBHOOK = {
    "post": {
        "summary": "An event, POSTed to each endpoint that chose its type",
        "description": (
            "Verify `TechOMS-Signature: t=<unix time>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 of `<t>.<raw body>` "
            "with the endpoint's secret (two v1 values during a secret rotation's 24 h overlap); refuse "
            "an old `t`. Answer 2xx quickly; anything else (a 3xx too: redirects are not followed) is "
            "retried with exponential backoff for 24 hours. At least once, in order per order: drop "
            "repeats by event id."
        ),
        "parameters": [
            {"name": "TechOMS-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "TechOMS-Event-Id", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "TechOMS-Event-Type", "in": "header", "required": True, "schema": {"type": "string"}},
        ],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
        "responses": {"2XX": {"description": "Received."}},
    }
}

PATHS = {"/orders": ORDERS_PATH, "/orders/{order_id}": ORDER_PATH, "/events": EVENTS_PATH}
SCHEMAS = {"OrderSummary": ORDER_SUMMARY_SCHEMA, "Order": ORDER_SCHEMA, "Event": EVENT_SCHEMA}
WEBHOOKS = {"event": WEBHOOK}
