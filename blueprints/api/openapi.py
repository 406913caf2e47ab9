"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of /api/v1 (public: the contract, no data)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

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
        "paths": {"/account": ACCOUNT_PATH},
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "An account API key."}
            },
            "schemas": {"Errors": ERRORS_SCHEMA},
        },
    }


def document():
    return jsonify(build())
