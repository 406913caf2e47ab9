"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of /api/v1 (public: the contract, no data)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from blueprints.api import openapi_fulfilment

ERRORS_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "description": "Messages per field; `request` when no single field is to blame.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
    "example": {"errors": {"authorization": ["This API key is not valid (unknown or revoked)."]}},
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


COMMON_ERRORS = {
    "401": _error("No key, or a key that is unknown or revoked."),
    "403": _error("The key's account is disabled."),
    "429": {
        **_error("Too many requests with this key, or too many wrong keys from this address."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    },
}

ACCOUNT_PATH = {
    "get": {
        "operationId": "showAccount",
        "summary": "The account this key acts for",
        "description": "Use it to check a key: it changes nothing.",
        "responses": {
            "200": {
                "description": "The key's account.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "account": {
                                    "type": "object",
                                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                                },
                                "api_key": {
                                    "type": "object",
                                    "properties": {"name": {"type": "string"}, "prefix": {"type": "string"}},
                                },
                            },
                        }
                    }
                },
            },
            **COMMON_ERRORS,
        },
    }
}


SHIPMENT_EXAMPLE = {
    "tracking_number": "1Z999AA10123456784",
    "ship_date": "2026-11-30",
    "carrier": "UPS",
    "service": "GND",
    "warehouse": "EAST",
    "note": "Left at the front desk",
    "lines": [{"line_id": 1234, "quantity": 2}],
}

NEW_SHIPMENT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tracking_number", "ship_date", "carrier", "service", "lines"],
    "properties": {
        "tracking_number": {"type": "string", "minLength": 1, "maxLength": 100},
        "ship_date": {"type": "string", "format": "date", "description": "YYYY-MM-DD, at most a year ahead."},
        "carrier": {"type": "string", "maxLength": 32, "description": "techOMS carrier code, e.g. UPS."},
        "service": {"type": "string", "maxLength": 32, "description": "techOMS service code, e.g. GND."},
        "warehouse": {
            "type": ["string", "null"],
            "maxLength": 32,
            "description": "Code of a warehouse enabled for the account (optional).",
        },
        "note": {"type": ["string", "null"], "maxLength": 255, "description": "Sent to the store."},
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": 500,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["line_id", "quantity"],
                "properties": {
                    "line_id": {"type": "integer", "minimum": 1, "description": "The techOMS order line id."},
                    "quantity": {"type": "integer", "minimum": 1, "description": "At most what is left."},
                },
            },
        },
    },
    "example": SHIPMENT_EXAMPLE,
}

SHIPMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "order_id": {"type": "integer"},
        "order_number": {"type": "string"},
        "order_status": {"type": "string", "enum": ["partially_shipped", "shipped"]},
        "tracking_number": {"type": "string"},
        "ship_date": {"type": "string", "format": "date"},
        "carrier": {"type": "string"},
        "service": {"type": "string"},
        "warehouse": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"line_id": {"type": "integer"}, "quantity": {"type": "integer"}},
            },
        },
        "store": {
            "type": "object",
            "description": "Where the shipment stands with the store; the Export shipments action sends it.",
            "properties": {
                "status": {"type": "string", "enum": ["waiting", "sending", "sent", "error"]},
                "shipment_id": {"type": ["integer", "null"]},
                "sent_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
    },
}

SHIPMENTS_PATH = {
    "post": {
        "operationId": "createShipment",
        "summary": "Report a package that left the warehouse",
        "description": (
            "One shipment is one package of one order. Each line's quantity must be at most what is left "
            "to ship of it (shipments already taken count, also concurrent ones). The shipment then waits "
            "for the channel's Export shipments action, which sends it to the store exactly once."
        ),
        "parameters": [
            {
                "name": "order_id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
                "description": "The techOMS order id.",
            },
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": (
                    "Send the same key when repeating a request (e.g. after a timeout): the first answer is "
                    "returned instead of a second shipment. A key reused for a different request answers 422."
                ),
            },
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewShipment"}}},
        },
        "responses": {
            "201": {
                "description": "Taken in (or the first answer again, with `Idempotent-Replayed: true`).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Shipment"}}},
            },
            "400": _error("The body is not valid JSON."),
            **COMMON_ERRORS,
            "404": _error("No such order in the key's account."),
            "409": _error(
                "The order was cancelled (in techOMS or on the store) and takes no shipment, "
                "or a concurrent change got in the way; the message says which."
            ),
            "415": _error("The body is not sent as application/json."),
            "422": _error("Values that cannot be accepted; messages per field (`lines[0].quantity`)."),
        },
    }
}


LEVEL_SCHEMA = {
    "type": "object",
    "required": ["warehouse", "sku", "on_hand"],
    "properties": {
        "warehouse": {"type": "string", "description": "Code of a warehouse enabled for the key's account."},
        "sku": {"type": "string", "description": "Variant SKU (case and surrounding spaces ignored)."},
        "on_hand": {
            "type": "integer",
            "minimum": 0,
            "maximum": 10_000_000,
            "description": "Absolute figure.",
        },
    },
}

INVENTORY_PATH = {
    "put": {
        "operationId": "setStockLevels",
        "summary": "Set absolute stock levels",
        "description": (
            "Sets `on_hand` of each (warehouse, SKU) given, up to 10,000 levels per request. All or nothing: "
            "when any level cannot be accepted nothing is applied, and the answer names every wrong field as "
            "`levels[<index>].<field>` (`levels[<index>]` for a level given twice or not an object). Figures "
            "are absolute, so repeating a request is harmless (no idempotency key needed). `allocated` is "
            "not set here: it is what the account's open orders hold. Export inventory publishes the result "
            "to the stores."
        ),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["levels"],
                        "properties": {
                            "levels": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 10_000,
                                "items": LEVEL_SCHEMA,
                            }
                        },
                    },
                    "example": {"levels": [{"warehouse": "RENO", "sku": "TEE-M-NAVY", "on_hand": 42}]},
                }
            },
        },
        "responses": {
            "200": {
                "description": "Every level applied.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "received": {"type": "integer"},
                                "changed": {"type": "integer"},
                                "unchanged": {"type": "integer", "description": "Already at that figure."},
                            },
                        }
                    }
                },
            },
            "400": _error("The body is not valid JSON."),
            "415": _error("The body is not JSON."),
            "422": {
                **_error("Nothing was applied: every wrong level is named."),
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Errors"},
                        "example": {
                            "errors": {
                                "request": ["Nothing was applied: 2 of 3 rows cannot be accepted."],
                                "levels[1].sku": ["No product variant of this account has SKU TEE-XXL."],
                                "levels[2].on_hand": ["On hand must be a whole number from 0 to 10,000,000."],
                            }
                        },
                    }
                },
            },
            **COMMON_ERRORS,
        },
    }
}


def build() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "techOMS Sales Channels host-system API",
            "version": "1",
            "description": (
                "What a warehouse system calls. Authenticate with an account API key, created by an account "
                "admin under API keys: `Authorization: Bearer toms_…`. Keys act for one account; anything of "
                "another account answers 404. No cookies, no CSRF tokens."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiKey": []}],
        "paths": {
            "/account": ACCOUNT_PATH,
            "/orders/{order_id}/shipments": SHIPMENTS_PATH,
            "/inventory": INVENTORY_PATH,
            **openapi_fulfilment.PATHS,
        },
        "webhooks": openapi_fulfilment.WEBHOOKS,
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "An account API key."}
            },
            "schemas": {
                "Errors": ERRORS_SCHEMA,
                "NewShipment": NEW_SHIPMENT_SCHEMA,
                "Shipment": SHIPMENT_SCHEMA,
                **openapi_fulfilment.SCHEMAS,
            },
        },
    }


def document():
    return jsonify(build())
