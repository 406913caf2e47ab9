"""What the fuzzers share (tests/fuzz/): the routes to fuzz, taken from `app.url_map`; hypothesis strategies
for form fields, files, query strings and JSON; and a digest of every table, to prove a refused request
changed nothing."""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from tests.support.form_fields import names_views_read, text_field_names
from web.request_bodies import UPLOAD_FIELDS

# Routes not fuzzed, and why: static files; logout ends the session every other example needs.
NOT_FUZZED = {"static", "auth.logout"}
FORM_METHODS = {"POST", "PUT", "DELETE"}

# Columns a refused request may still write, by design: the login session's last activity (idle timeout,
# SES-06) and an API key's last use (noted once a minute, before the body is read).
VOLATILE_COLUMNS = {("login_session", "last_seen_at"), ("api_key", "last_used_at")}
# Tables a refused request may still write, by design: the billed-call counters (a form re-rendered with its
# errors may read a store list first, and every billed call is counted, whatever the request then does).
VOLATILE_TABLES = {"api_call_day"}


def register_profiles() -> None:
    """`FUZZ_EXAMPLES` (default 6) examples per route; derandomized in CI (`CI` set) or with `FUZZ_SEED`."""
    settings.register_profile(
        "fuzz",
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "6")),
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


FUZZ = "fuzz"


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    method: str

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"


def routes(app) -> list[Route]:
    """Every rule that takes a body (POST/PUT/DELETE) or a query string (GET), one entry per method."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_FUZZED:
            continue
        for method in sorted(rule.methods & (FORM_METHODS | {"GET"})):
            found.append(Route(rule.endpoint, rule.rule, method))
    return sorted(found, key=lambda r: (r.rule, r.method))


def is_api(route: Route) -> bool:
    return route.rule.startswith("/api/")


# --- values ----------------------------------------------------------------------------------------------

EDGE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "line\r\nSet-Cookie: x=1",
    "\t",
    "\u202eRTL",
    "é" * 300,
    "𝕏" * 50,
    "x" * 5000,
    "x" * 200_000,
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "Infinity",
    "0x1F",
    "１２３",  # full-width digits: str.isdigit() says yes, int() says yes too
    "٣",
    "²",  # isdigit() but not int()
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 400,
    "1.0000000000000000000000001",
    "-99999999999999999999.99",
    "1,5",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "None",
    "true",
    "[]",
    "{}",
]


def text_values() -> st.SearchStrategy[str]:
    numbers = st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
    )
    return st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=60), numbers)


_SAFE_NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'),
    min_size=1,
    max_size=24,
)


def form_bodies(extra_names: list[str] | None = None) -> st.SearchStrategy[dict]:
    """Field name -> value(s): the app's field names and random ones; one value, several, or none."""
    names = sorted(set(text_field_names()) | set(extra_names or []))
    values = st.one_of(text_values(), st.lists(text_values(), min_size=2, max_size=3))
    return st.dictionaries(st.one_of(st.sampled_from(names), _SAFE_NAME), values, max_size=10)


def uploads() -> st.SearchStrategy[dict]:
    """Maybe a file in an upload field: CSV-like text, random bytes, or a large file, under any name."""
    contents = st.one_of(
        st.binary(max_size=2000),
        st.lists(st.lists(text_values(), max_size=5).map(",".join), max_size=8).map(
            lambda rows: "\n".join(rows).encode("utf-8", "surrogatepass")
        ),
        st.just(b"sku,variant_sku\n" + b"A,B\n" * 60_000),
        st.just(b"\xef\xbb\xbf" + "ÿ\x00,\r\r\n".encode() * 10),
    )
    files = st.builds(
        lambda name, body, filename: {name: (io.BytesIO(body), filename)},
        st.sampled_from(sorted(UPLOAD_FIELDS)),
        contents,
        st.one_of(st.just("upload.csv"), _SAFE_NAME),
    )
    return st.one_of(st.just({}), files)


def query_strings() -> st.SearchStrategy[dict]:
    names = sorted(names_views_read() | {"page", "per_page", "q", "status", "sort", "next", "view", "cause"})
    return st.dictionaries(st.one_of(st.sampled_from(names), _SAFE_NAME), text_values(), max_size=6)


def json_values(names: list[str]) -> st.SearchStrategy[object]:
    """Arbitrary JSON, with object keys often the schema's property names so shapes reach deep checks."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        text_values(),
    )
    keys = st.one_of(st.sampled_from(names), st.text(max_size=12))
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=6)
        ),
        max_leaves=30,
    )


def schema_property_names(document: object) -> list[str]:
    """Every property name in an OpenAPI document."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                found.update(properties)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return sorted(found)


# --- state -----------------------------------------------------------------------------------------------


def table_digest() -> dict[str, str]:
    """A sha256 per table of all its rows (volatile columns left out), read on a connection of its own."""
    digests = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS]
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def csrf_token_from(html: bytes) -> str:
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no csrf meta tag"
    return match.group(1).decode()


def iter_values(body: dict) -> Iterator[str]:
    for value in body.values():
        yield from value if isinstance(value, list) else [value]


def url_map_app():
    """An app built only to read its url_map when tests are collected (parametrization); it opens nothing."""
    from app import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "collection-only-secret-key-of-32-characters",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


COLLECTED_ROUTES = routes(url_map_app())
FORM_ROUTES = [r for r in COLLECTED_ROUTES if r.method in FORM_METHODS and not is_api(r)]
GET_ROUTES = [r for r in COLLECTED_ROUTES if r.method == "GET"]
API_ROUTES = [r for r in COLLECTED_ROUTES if r.method in FORM_METHODS and is_api(r)]


# --- plausible bodies: most fields valid, some fuzzed, so requests get past the first check ---------------


def view_forms(app, endpoint: str) -> list[type]:
    """The WTForms classes a view builds, read from its source (`SomeForm(` in the function body)."""
    import inspect

    from wtforms import Form

    view = inspect.unwrap(app.view_functions[endpoint])
    source = inspect.getsource(view)
    found = []
    for name in re.findall(r"\b([A-Z]\w*Form)\(", source):
        cls = view.__globals__.get(name)
        if isinstance(cls, type) and issubclass(cls, Form) and cls not in found:
            found.append(cls)
    return found


def form_field_kinds(forms: list[type]) -> dict[str, tuple[str, list[str]]]:
    """Field name -> (field class name, its static choice values)."""
    import inspect

    from wtforms.fields.core import UnboundField

    kinds: dict[str, tuple[str, list[str]]] = {}
    for cls in forms:
        for name, value in inspect.getmembers(cls):
            if isinstance(value, UnboundField):
                choices = value.kwargs.get("choices") or (value.args[1] if len(value.args) > 1 else None)
                values = [str(c[0] if isinstance(c, tuple | list) else c) for c in choices or []]
                kinds[name] = (value.field_class.__name__, values)
    return kinds


def plausible_value(kind: str, choices: list[str], known: list[str]) -> st.SearchStrategy[str]:
    if choices:
        return st.sampled_from(choices)
    if kind in {"IntegerField", "DecimalField", "FloatField", "IntegerRangeField"}:
        return st.one_of(st.integers(min_value=-3, max_value=500).map(str), st.sampled_from(known))
    if kind == "BooleanField":
        return st.sampled_from(["y", "on", "true", ""])
    if kind == "DateField":
        return st.dates().map(lambda d: d.isoformat())
    printable = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=20)
    return st.one_of(st.sampled_from(known), printable)


def plausible_form_bodies(
    kinds: dict[str, tuple[str, list[str]]], known: list[str]
) -> st.SearchStrategy[dict]:
    """Every field of the view's forms with a plausible value, or a fuzzed one, or left out; plus extras."""
    if not kinds:
        return form_bodies()
    fields = {
        name: st.one_of(
            plausible_value(kind, choices, known),
            plausible_value(kind, choices, known),
            text_values(),
            st.lists(text_values(), min_size=2, max_size=3),
        )
        for name, (kind, choices) in kinds.items()
        if name != "csrf_token"
    }
    return st.builds(
        lambda base, extra, left_out: {**{k: v for k, v in base.items() if k not in left_out}, **extra},
        st.fixed_dictionaries(fields),
        st.dictionaries(_SAFE_NAME, text_values(), max_size=3),
        st.sets(st.sampled_from(sorted(fields) or ["-"]), max_size=2),
    )


def from_schema(schema: dict, document: dict, known: list[str], depth: int = 0) -> st.SearchStrategy:
    """JSON that follows an OpenAPI schema, except that any leaf may be of another type or out of range."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return from_schema(document["components"]["schemas"][name], document, known, depth)
    types = schema.get("type", "object")
    if isinstance(types, list):
        return st.one_of([from_schema({**schema, "type": t}, document, known, depth) for t in types])
    anything = json_values(known)
    if types == "object" and depth < 4:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        typed = st.fixed_dictionaries(
            {k: from_schema(v, document, known, depth + 1) for k, v in properties.items() if k in required},
            optional={
                k: from_schema(v, document, known, depth + 1)
                for k, v in properties.items()
                if k not in required
            },
        )
    elif types == "array" and depth < 4:
        items = from_schema(schema.get("items", {}), document, known, depth + 1)
        typed = st.lists(items, min_size=min(schema.get("minItems", 0), 1), max_size=4)
    elif types == "integer":
        low, high = schema.get("minimum", -5), schema.get("maximum", 10_000)
        typed = st.one_of(
            st.integers(min_value=low, max_value=min(high, low + 50)),
            st.sampled_from([low - 1, high + 1, 2**31, 2**63, -(2**63) - 1]),
            st.sampled_from([int(k) for k in known if k.isdigit()] or [1]),
        )
    elif types == "string" and schema.get("format") == "date":
        typed = st.one_of(st.dates().map(lambda d: d.isoformat()), text_values())
    elif types == "string":
        typed = st.one_of(st.sampled_from(known), text_values())
    elif types == "null":
        typed = st.none()
    else:
        typed = anything
    return st.one_of(typed, typed, typed, anything)


def known_values(world, ids: dict, extra: list[str] = ()) -> list[str]:
    """Strings that mean something to this world: ids, SKUs, codes, names, emails."""
    from sqlalchemy import select as _select

    from models.catalog import Carrier, CarrierService
    from models.orders import SalesOrderLine

    with db.engine.connect() as connection:
        line_ids = [str(i) for i in connection.execute(_select(SalesOrderLine.id)).scalars()]
        carriers = connection.execute(
            _select(Carrier.code, CarrierService.code, CarrierService.id).join(CarrierService.carrier)
        ).all()
    values = {str(v) for v in ids.values()} | set(line_ids) | {"1", "0", "UPS", "GND", "main"}
    values |= {str(c) for row in carriers for c in row if c}
    for tenant in (world.a,):
        values |= {tenant.variant.sku, tenant.warehouse.code, tenant.account.code, tenant.channel.name}
        values |= {tenant.channel.shop_domain}
    values |= set(extra)
    return sorted(values)
