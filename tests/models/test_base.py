"""The column type every model enum uses (models/base.py `enum_as_string`), on the real database."""

from __future__ import annotations

import enum

import pytest
from sqlalchemy import String, cast, literal, select
from sqlalchemy.exc import StatementError

from extensions import db
from models.base import enum_as_string


class Shade(enum.StrEnum):
    DARK_RED = "dark-red"  # the name and the value differ: the value is what is stored
    PALE = "pale"


def test_enum_type_is_a_short_string_of_the_values():
    column_type = enum_as_string(Shade)
    assert column_type.enums == ["dark-red", "pale"]
    assert column_type.native_enum is False and column_type.length == 20
    assert enum_as_string(Shade, length=40).length == 40


def test_enum_values_are_stored_and_read_back_as_members(app):
    column_type = enum_as_string(Shade)
    assert db.session.scalar(select(cast(literal(Shade.DARK_RED, column_type), String))) == "dark-red"
    assert db.session.scalar(select(literal(Shade.DARK_RED, column_type))) is Shade.DARK_RED


def test_enum_refuses_a_string_that_is_no_value(app):
    with pytest.raises(StatementError):
        db.session.scalar(select(literal("DARK_RED", enum_as_string(Shade))))
