"""Auto-map's likely matches (services/mappings/sku_matching.py): pure, SKUs in and proposals out."""

from __future__ import annotations

import pytest

from services.mappings.sku_matching import Ambiguous, Proposal, SkuMatcher, abbreviates, compact, segments

# The demo catalog's spelling: BS-{n:04d}-{size}-{colour}.
CATALOG = [
    (f"BS-{n:04d}-{size}-{colour}", n * 10 + i)
    for n in range(1, 61)
    for i, (size, colour) in enumerate((s, c) for s in "SML" for c in ("NAVY", "WHITE"))
]


@pytest.fixture(scope="module")
def matcher() -> SkuMatcher:
    return SkuMatcher(CATALOG)


def test_segments_ignore_case_and_every_separator():
    assert segments("bs-0024_v2/M navy") == ("bs", "0024", "v2", "m", "navy")
    assert compact("BS0012-M-NAVY") == compact("bs-0012_m_navy") == "bs0012mnavy"
    assert segments("--") == ()


@pytest.mark.parametrize(
    ("short", "long", "expected"),
    [
        ("NVY", "NAVY", True),
        ("wht", "white", True),
        ("BLK", "BLACK", True),
        ("N", "NAVY", False),
        ("VNY", "NAVY", False),
        ("NAVY", "NAVY", False),
        ("NYV", "NAVY", False),
    ],
)
def test_abbreviations_keep_the_first_letter_and_the_order(short, long, expected):
    assert abbreviates(short.casefold(), long.casefold()) is expected


@pytest.mark.parametrize(
    ("store_sku", "techoms_sku", "rule", "detail"),
    [
        ("BS0012-M-NAVY", "BS-0012-M-NAVY", "separators", "separators differ"),
        ("BS-0036_M_NAVY", "BS-0036-M-NAVY", "separators", "separators differ"),
        ("bs-0036-m-navy", "BS-0036-M-NAVY", "separators", "separators differ, case differs"),
        (
            "bs-0024-v2-m-navy",
            "BS-0024-M-NAVY",
            "extra segment on the store",
            "the store adds ‘v2’, case differs",
        ),
        ("BS-0024-M-NAVY-XL", "BS-0024-M-NAVY", "extra segment on the store", "the store adds ‘XL’"),
        ("PROMO-BS-0024-M-NAVY", "BS-0024-M-NAVY", "extra segment on the store", "the store adds ‘PROMO’"),
        ("BS-0048-M-NVY", "BS-0048-M-NAVY", "abbreviation", "‘NVY’ on the store, ‘NAVY’ in techOMS"),
        ("BS-0048-L-WHT", "BS-0048-L-WHITE", "abbreviation", "‘WHT’ on the store, ‘WHITE’ in techOMS"),
        ("BS-0007-M-NAVYX", "BS-0007-M-NAVY", "abbreviation", "‘NAVYX’ on the store, ‘NAVY’ in techOMS"),
        ("XBS-0007-M-NAVY", "BS-0007-M-NAVY", "glued", "the store adds ‘X’ in front"),
    ],
)
def test_each_rule_proposes_one_techoms_sku(matcher, store_sku, techoms_sku, rule, detail):
    proposal = matcher.match(store_sku)
    assert isinstance(proposal, Proposal)
    assert (proposal.techoms_sku, proposal.rule, proposal.detail) == (techoms_sku, rule, detail)
    assert proposal.variant_id == dict(CATALOG)[techoms_sku]


def test_a_missing_segment_in_techoms_is_proposed_only_when_one_sku_fits():
    matcher = SkuMatcher([("TEE-RED-M", 1), ("TEE-BLUE-M", 2), ("TEE-BLUE-L", 3)])
    assert matcher.match("tee-red").techoms_sku == "TEE-RED-M"
    assert matcher.match("tee-red").detail == "techOMS adds ‘M’, case differs"
    assert matcher.match("TEE-BLUE") == Ambiguous(
        "TEE-BLUE", ("TEE-BLUE-L", "TEE-BLUE-M"), "extra segment in techOMS"
    )


def test_several_equally_good_matches_are_never_guessed(matcher):
    found = matcher.match("BS-0001-M")  # NAVY or WHITE
    assert isinstance(found, Ambiguous) and found.techoms_skus == ("BS-0001-M-NAVY", "BS-0001-M-WHITE")
    assert isinstance(matcher.match("BS-0001-M-N"), Ambiguous | type(None))  # one letter abbreviates nothing


def test_the_more_certain_rule_wins(matcher):
    # Separators find BS-0012-M-NAVY; the extra-segment rule would also fit other SKUs, but is not asked.
    assert matcher.match("BS-00-12-M-NAVY").rule == "separators"


def test_a_supplier_code_or_nonsense_matches_nothing(matcher):
    for sku in ("DEMO60-M-NAVY", "", "---", "ZZ-9999", "BS-0061-M-NAVY"):
        assert matcher.match(sku) is None, sku


def test_propose_splits_proposals_from_ambiguous(matcher):
    proposals, ambiguous = matcher.propose(["BS0012-M-NAVY", "BS-0001-M", "DEMO60-M-NAVY"])
    assert [p.channel_sku for p in proposals] == ["BS0012-M-NAVY"]
    assert [a.channel_sku for a in ambiguous] == ["BS-0001-M"]
