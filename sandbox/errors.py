"""Error answers of the simulated API: `{"errors": {...}}` bodies, as the API documents them."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised by handlers; the app turns it into a JSON answer with the given status."""

    def __init__(self, status: int, errors: dict[str, Any]) -> None:
        super().__init__(status, errors)
        self.status = status
        self.errors = errors


def not_found(what: str = "Record") -> ApiError:
    return ApiError(404, {"base": f"{what} not found"})


def invalid(field: str, message: str) -> ApiError:
    """Type or enum validation failure: the message is a plain string."""
    return ApiError(422, {field: message})


def rejected(field: str, *messages: str) -> ApiError:
    """Business-rule failure: the messages come as an array of strings."""
    return ApiError(422, {field: list(messages)})
