"""Likely matches between store SKUs that map to nothing and the account's techOMS SKUs, for Auto-map to
propose (a person confirms each). Pure: SKUs in, proposals out; no database.

A SKU is read as segments: case-folded, split on separators (`-`, `_`, `/`, `.`, spaces). The rules, most
certain first; the first rule that finds anything decides, and it must find exactly one techOMS SKU (several
are reported as ambiguous, never guessed):

1. separators — the same characters once separators and case are ignored (`BS0012-M-NAVY` ~ `BS-0012-M-NAVY`,
   `BS-0036_M_NAVY` ~ `BS-0036-M-NAVY`);
2. extra segment on the store — the store SKU has one segment more: a prefix, a suffix or one in between
   (`bs-0024-v2-m-navy` ~ `BS-0024-M-NAVY`, `TEE-RED-XL` ~ `TEE-RED`);
3. extra segment in techOMS — the other way round (`TEE-RED` ~ `TEE-RED-M`, when only one variant fits);
4. abbreviation — one segment differs and one spelling abbreviates the other: same first letter, the rest in
   order (`BS-0048-M-NVY` ~ `BS-0048-M-NAVY`);
5. glued suffix or prefix — a techOMS SKU plus up to 4 letters or digits without a separator
   (`TEE100XL` ~ `TEE-100`).

The index holds two entries per techOMS SKU, and one per segment once a rule past the second needs them; each
store SKU then costs a handful of lookups (bench/sku_matching.py: 0.5 to 1.5 s to index 50,000 SKUs, under
0.3 ms a store SKU).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

SEPARATORS = re.compile(r"[\s\-_/.]+")
GLUED_MAX = 4  # letters or digits a store SKU may add to a techOMS SKU without a separator
ABBREVIATION_MIN = 2  # a one-letter "abbreviation" matches too much


def written_segments(sku: str) -> tuple[str, ...]:
    """The segments as written (for messages)."""
    return tuple(part for part in SEPARATORS.split(sku) if part)


def segments(sku: str) -> tuple[str, ...]:
    """The segments as compared."""
    return written_segments(sku.casefold())


def compact(sku: str) -> str:
    return "".join(segments(sku))


def abbreviates(short: str, long: str) -> bool:
    """`short` is `long` with letters left out: same first letter, the others in order (NVY, NAVY)."""
    if len(short) < ABBREVIATION_MIN or len(short) >= len(long) or short[0] != long[0]:
        return False
    rest = iter(long[1:])
    return all(char in rest for char in short[1:])


@dataclass(frozen=True)
class Proposal:
    channel_sku: str
    variant_id: int
    techoms_sku: str
    rule: str
    detail: str  # what differs, for the person confirming


@dataclass(frozen=True)
class Ambiguous:
    channel_sku: str
    techoms_skus: tuple[str, ...]  # the first few that fit equally well
    rule: str


class SkuMatcher:
    """The account's techOMS SKUs, indexed once for every rule."""

    def __init__(self, catalog: Iterable[tuple[str, int]]) -> None:
        """`catalog`: (techOMS SKU, variant id) pairs."""
        self.sku_of: dict[int, str] = {}
        self._written: tuple[str, ...] = ()  # the store SKU being matched, its segments as written
        self._parts: dict[int, tuple[str, ...]] = {}
        self._compact: dict[str, set[int]] = defaultdict(set)
        self._segments: dict[tuple[str, ...], set[int]] = defaultdict(set)
        # Each SKU with one segment left out → (variant, the position left out). Built on first need: most
        # store SKUs are settled by the cheaper rules.
        self._one_less_index: dict[tuple[str, ...], list[tuple[int, int]]] | None = None
        for sku, variant_id in catalog:
            parts = segments(sku)
            if parts:
                self.sku_of[variant_id], self._parts[variant_id] = sku, parts
                self._compact["".join(parts)].add(variant_id)
                self._segments[parts].add(variant_id)

    @property
    def _one_less(self) -> dict[tuple[str, ...], list[tuple[int, int]]]:
        if self._one_less_index is None:
            index: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
            for variant_id, parts in self._parts.items():
                for i in range(len(parts)):
                    index[parts[:i] + parts[i + 1 :]].append((variant_id, i))
            self._one_less_index = index
        return self._one_less_index

    def match(self, channel_sku: str) -> Proposal | Ambiguous | None:
        parts = segments(channel_sku)
        if not parts or len(parts) != len(written_segments(channel_sku)):
            return None  # casefolding changed how it splits (rare scripts): no guess
        self._written = written_segments(channel_sku)
        rules = (
            ("separators", self._separators),
            ("extra segment on the store", self._extra_on_the_store),
            ("extra segment in techOMS", self._extra_in_techoms),
            ("abbreviation", self._abbreviation),
            ("glued", self._glued),
        )
        for rule, finder in rules:
            found = finder(parts)
            if found:
                return self._decide(channel_sku, rule, found)
        return None

    def propose(self, channel_skus: Iterable[str]) -> tuple[list[Proposal], list[Ambiguous]]:
        proposals, ambiguous = [], []
        for sku in channel_skus:
            result = self.match(sku)
            if isinstance(result, Proposal):
                proposals.append(result)
            elif isinstance(result, Ambiguous):
                ambiguous.append(result)
        return proposals, ambiguous

    # --- the rules: each returns the variant ids it finds, with what differs ------------------------------

    def _separators(self, parts: tuple[str, ...]) -> dict[int, str]:
        return {vid: "separators differ" for vid in self._compact.get("".join(parts), ())}

    def _extra_on_the_store(self, parts: tuple[str, ...]) -> dict[int, str]:
        found: dict[int, str] = {}
        if len(parts) > 1:
            for i in range(len(parts)):
                for vid in self._segments.get(parts[:i] + parts[i + 1 :], ()):
                    found.setdefault(vid, f"the store adds ‘{self._written[i]}’")
        return found

    def _extra_in_techoms(self, parts: tuple[str, ...]) -> dict[int, str]:
        found: dict[int, str] = {}
        for vid, i in self._one_less.get(parts, ()):
            found.setdefault(vid, f"techOMS adds ‘{written_segments(self.sku_of[vid])[i]}’")
        return found

    def _abbreviation(self, parts: tuple[str, ...]) -> dict[int, str]:
        found: dict[int, str] = {}
        for i, part in enumerate(parts):
            for vid, j in self._one_less.get(parts[:i] + parts[i + 1 :], ()):
                theirs = self._parts[vid]
                if j != i or len(theirs) != len(parts):
                    continue
                if abbreviates(part, theirs[i]) or abbreviates(theirs[i], part):
                    written = written_segments(self.sku_of[vid])[i]
                    found.setdefault(vid, f"‘{self._written[i]}’ on the store, ‘{written}’ in techOMS")
        return found

    def _glued(self, parts: tuple[str, ...]) -> dict[int, str]:
        whole, written = "".join(parts), "".join(self._written)
        found: dict[int, str] = {}
        for cut in range(1, min(GLUED_MAX, len(whole) - 1) + 1):
            for vid in self._compact.get(whole[:-cut], ()):
                found.setdefault(vid, f"the store adds ‘{written[-cut:]}’")
            for vid in self._compact.get(whole[cut:], ()):
                found.setdefault(vid, f"the store adds ‘{written[:cut]}’ in front")
        return found

    def _decide(self, channel_sku: str, rule: str, found: dict[int, str]) -> Proposal | Ambiguous:
        if len(found) > 1:
            skus = tuple(sorted(self.sku_of[vid] for vid in found)[:5])
            return Ambiguous(channel_sku, skus, rule)
        ((variant_id, detail),) = found.items()
        techoms_sku = self.sku_of[variant_id]
        if _case_style(channel_sku) != _case_style(techoms_sku):
            detail += ", case differs"
        return Proposal(channel_sku, variant_id, techoms_sku, rule, detail)


def _case_style(sku: str) -> str:
    if sku == sku.upper():
        return "upper"
    return "lower" if sku == sku.lower() else "mixed"
