"""CSV import and export of carrier and SKU mappings (templates C_Carrier_Mappings.csv, C_SKU_Mappings.csv).

Import adds rows and never overwrites. A whole file is refused (nothing stored) when it is too large, not
UTF-8, has the wrong header or too many rows; otherwise each row gets an outcome — created, already present,
unknown variant / carrier, invalid — and the created rows are inserted in bulk, in the caller's one
transaction, after one pre-load of the existing keys and of the account's SKUs or the carrier services.
Export streams every row; cells that a spreadsheet would run as a formula get a leading `'` (INP-05), which
import removes again, so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from extensions import db
from models.catalog import Carrier, CarrierService, ProductVariant, sku_key
from models.channels import SalesChannel
from models.mappings import CODE_LENGTH, SKU_LENGTH, CarrierMapping, SkuMapping
from models.natural_order import natural_sort_key
from models.tenancy import User
from services import audit, catalog
from services.inventory import publish_queue
from services.mappings import skus as sku_mappings
from services.shown_text import has_unshown_characters

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
REPORT_ROWS = 1_000
SKU_COLUMNS = ("Sales Channel SKU", "techOMS SKU")
CARRIER_COLUMNS = (
    "Carrier Channel Code",
    "Service Channel Code",
    "Carrier System Code",
    "Service System Code",
    "Primary",
)
SKU_TEMPLATE = "C_SKU_Mappings.csv"
CARRIER_TEMPLATE = "C_Carrier_Mappings.csv"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\0", "\r")
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}

CREATED, PRESENT, UNKNOWN, INVALID = "created", "already present", "unknown", "invalid"


class FileRefused(Exception):
    """The whole file is refused; `str(exc)` says why, for the user."""


@dataclass
class RowResult:
    line: int
    code: str
    outcome: str
    message: str = ""


@dataclass
class ImportReport:
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((CREATED, PRESENT, UNKNOWN, INVALID), 0)
    )
    rows: list[RowResult] = field(default_factory=list)
    total: int = 0

    def add(self, line: int, code: str, outcome: str, message: str = "") -> None:
        self.counts[outcome] += 1
        self.total += 1
        if len(self.rows) < REPORT_ROWS:
            self.rows.append(RowResult(line, code, outcome, message))

    def summary(self) -> str:
        return ", ".join(f"{outcome} {count}" for outcome, count in self.counts.items())


def read_rows(data: bytes, columns: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each non-empty data row, or FileRefused for the whole file."""
    if len(data) > MAX_BYTES:
        raise FileRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: nothing was imported.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("The file is not UTF-8 text: save it as CSV UTF-8 and try again.") from None
    if "\0" in text:
        raise FileRefused("The file contains NUL characters: it is not a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or [h.strip().casefold() for h in header] != [c.casefold() for c in columns]:
            raise FileRefused(
                f"The first line must be the header: {','.join(columns)}. Nothing was imported."
            )
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows: nothing was imported.")
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise FileRefused(f"The file is not valid CSV (line {reader.line_num}: {exc}).") from None
    return rows


def unescape(cell: str) -> str:
    """Undo the export's formula escape, then trim."""
    cell = cell.strip()
    if cell.startswith("'") and cell[1:2] in FORMULA_LEADS and cell[1:2]:
        cell = cell[1:]
    return cell


def escape(cell: str | None) -> str:
    cell = cell or ""
    return "'" + cell if cell.startswith(FORMULA_LEADS) else cell


def _text_problem(value: str, label: str, limit: int) -> str | None:
    if not value:
        return f"{label} is empty."
    if len(value) > limit:
        return f"{label} is longer than {limit} characters."
    if has_unshown_characters(value):
        return f"{label} contains control characters."
    return None


def import_skus(channel: SalesChannel, data: bytes, user: User | None) -> ImportReport:
    rows = read_rows(data, SKU_COLUMNS)
    existing = sku_mappings.mapped_sku_keys(channel.id)
    variants = catalog.variant_ids_by_sku_key(channel.account_id)
    report, new_rows = ImportReport(), []
    for line, cells in rows:
        if len(cells) != len(SKU_COLUMNS):
            report.add(line, cells[0] if cells else "", INVALID, f"Expected {len(SKU_COLUMNS)} columns.")
            continue
        channel_sku, system_sku = unescape(cells[0]), unescape(cells[1])
        problem = _text_problem(channel_sku, "Sales Channel SKU", SKU_LENGTH) or _text_problem(
            system_sku, "techOMS SKU", SKU_LENGTH
        )
        key = sku_key(channel_sku)
        if problem:
            report.add(line, channel_sku, INVALID, problem)
        elif key in existing:
            report.add(line, channel_sku, PRESENT, "Already mapped on this channel; left as it is.")
        elif sku_key(system_sku) not in variants:
            report.add(line, channel_sku, UNKNOWN, f"No product variant has SKU {system_sku}.")
        else:
            existing.add(key)
            new_rows.append(
                {
                    "channel_id": channel.id,
                    "channel_sku": channel_sku,
                    "channel_sku_key": key,
                    "channel_sku_sort_key": natural_sort_key(channel_sku),
                    "variant_id": variants[sku_key(system_sku)],
                }
            )
            report.add(line, channel_sku, CREATED, f"→ {system_sku}")
    if new_rows:
        db.session.execute(insert(SkuMapping), new_rows)
        publish_queue.channel_changed(channel.id)
    audit.record(channel, user, "sku_mappings_imported", SKU_TEMPLATE, None, report.summary())
    return report


def import_carriers(channel: SalesChannel, data: bytes, user: User | None) -> ImportReport:
    rows = read_rows(data, CARRIER_COLUMNS)
    existing = {
        (carrier, service)
        for carrier, service in db.session.execute(
            select(CarrierMapping.carrier_channel_key, CarrierMapping.service_channel_key).where(
                CarrierMapping.channel_id == channel.id
            )
        )
    }
    has_primary = set(
        db.session.scalars(
            select(CarrierMapping.carrier_service_id).where(
                CarrierMapping.channel_id == channel.id, CarrierMapping.is_primary
            )
        )
    )
    services = {
        (carrier_code.casefold(), service_code.casefold()): service_id
        for service_id, carrier_code, service_code in db.session.execute(
            select(CarrierService.id, Carrier.code, CarrierService.code).join(CarrierService.carrier)
        )
    }
    report, created = ImportReport(), []
    for line, cells in rows:
        if len(cells) != len(CARRIER_COLUMNS):
            report.add(line, cells[0] if cells else "", INVALID, f"Expected {len(CARRIER_COLUMNS)} columns.")
            continue
        code, service, system_carrier, system_service, primary = (unescape(cell) for cell in cells)
        mapping = CarrierMapping(channel_id=channel.id, is_primary=False)
        mapping.set_codes(code, service)
        wants_primary = primary.casefold() in YES
        problem = (
            _text_problem(mapping.carrier_channel_code, "Carrier Channel Code", CODE_LENGTH)
            or (_text_problem(service, "Service Channel Code", CODE_LENGTH) if service else None)
            or (None if primary.casefold() in YES | NO else "Primary must be Yes or No.")
            or ("A wildcard code cannot be primary." if wants_primary and mapping.is_wildcard else None)
        )
        service_id = services.get((system_carrier.casefold(), system_service.casefold()))
        pair = (mapping.carrier_channel_key, mapping.service_channel_key)
        if problem:
            report.add(line, code, INVALID, problem)
        elif pair in existing:
            report.add(line, code, PRESENT, "Already mapped on this channel; left as it is.")
        elif service_id is None:
            report.add(line, code, UNKNOWN, f"No techOMS carrier service {system_carrier}/{system_service}.")
        else:
            existing.add(pair)
            mapping.carrier_service_id = service_id
            created.append((mapping, wants_primary))
            report.add(line, code, CREATED, f"→ {system_carrier.upper()}/{system_service.upper()}")
    # The primary rule: a service without a primary gets its first exact row marked Primary, else its first
    # exact row.
    for wanted in (True, False):
        for mapping, wants_primary in created:
            eligible = (wants_primary or not wanted) and not mapping.is_wildcard
            if eligible and mapping.carrier_service_id not in has_primary:
                mapping.is_primary = True
                has_primary.add(mapping.carrier_service_id)
    db.session.add_all(mapping for mapping, _ in created)
    audit.record(channel, user, "carrier_mappings_imported", CARRIER_TEMPLATE, None, report.summary())
    return report


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([escape(cell) for cell in cells])
    return buffer.getvalue()


def export_skus(channel_id: int) -> Iterator[str]:
    """Every SKU mapping of the channel, by channel SKU, streamed in batches."""
    yield _csv_line(list(SKU_COLUMNS))
    statement = (
        select(SkuMapping.channel_sku, ProductVariant.sku)
        .join(ProductVariant, ProductVariant.id == SkuMapping.variant_id)
        .where(SkuMapping.channel_id == channel_id)
        .order_by(SkuMapping.channel_sku_sort_key, SkuMapping.id)
        .execution_options(yield_per=2_000)
    )
    batch = []
    for channel_sku, system_sku in db.session.execute(statement):
        batch.append(_csv_line([channel_sku, system_sku]))
        if len(batch) >= 2_000:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def export_carriers(channel_id: int) -> Iterator[str]:
    yield _csv_line(list(CARRIER_COLUMNS))
    statement = (
        select(
            CarrierMapping.carrier_channel_code,
            CarrierMapping.service_channel_code,
            Carrier.code,
            CarrierService.code,
            CarrierMapping.is_primary,
        )
        .join(CarrierService, CarrierService.id == CarrierMapping.carrier_service_id)
        .join(Carrier, Carrier.id == CarrierService.carrier_id)
        .where(CarrierMapping.channel_id == channel_id)
        .order_by(CarrierMapping.carrier_channel_key, CarrierMapping.service_channel_key)
    )
    for code, service, carrier, system_service, primary in db.session.execute(statement):
        yield _csv_line([code, service or "", carrier, system_service, "Yes" if primary else "No"])
