"""LIKE patterns built from user text (services/search.py): checked as strings and on the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from extensions import db
from services.search import LIKE_ESCAPE, contains_pattern, escape_like, prefix_pattern


def test_escape_like_makes_wildcards_and_the_escape_literal():
    assert escape_like("plain") == "plain"
    assert escape_like("50%_off\\") == "50\\%\\_off\\\\"


def test_patterns_wrap_the_escaped_text():
    assert contains_pattern("a_b") == "%a\\_b%"
    assert prefix_pattern("a%") == "a\\%%"


@pytest.mark.parametrize(
    ("value", "pattern", "matches"),
    [
        ("50% off", contains_pattern("50%"), True),
        ("500 off", contains_pattern("50%"), False),  # % is no wildcard
        ("SKU_1", contains_pattern("U_1"), True),
        ("SKUX1", contains_pattern("U_1"), False),  # _ is no wildcard
        ("back\\slash", contains_pattern("k\\s"), True),
        ("backslash", contains_pattern("k\\s"), False),
        ("AB-12", prefix_pattern("AB-"), True),
        ("XAB-12", prefix_pattern("AB-"), False),
    ],
)
def test_patterns_match_literally_on_the_database(app, value, pattern, matches):
    like = literal(value).like(pattern, escape=LIKE_ESCAPE)
    assert bool(db.session.scalar(select(like))) is matches
