"""HTTP client for the Bright Sites REST API v2.7.0 (its documented contract): its endpoints, each one call
or listing through StoreCaller (store_calls.py: retries, billing, the call gate, the token kept out of
sight).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.brightsites.connection_check import check_connection
from connectors.brightsites.results import BatchConfirmation, ConnectionReport, Page
from connectors.brightsites.statuses import ORDER_STATUSES
from connectors.brightsites.store_calls import MAX_PER_PAGE, StoreCaller


def format_filter_time(value: datetime) -> str:
    """Aware datetime -> `YYYY-MM-DDThh:mm:ssZ` (the API reads zoneless values as UTC; we always send Z)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("filter times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _collection(data: object, key: str) -> list[Any]:
    found = data.get(key) if isinstance(data, dict) else None
    return found if isinstance(found, list) else []


class BrightSitesClient(StoreCaller):
    # --- orders ----------------------------------------------------------------------------------------

    @staticmethod
    def order_filters(
        *,
        status: str | None = None,
        customer: str | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> dict[str, str]:
        if status is not None and status not in ORDER_STATUSES:
            raise ValueError(f"unknown Bright Sites order status {status!r}")  # a 422 would still be billed
        params = {"status": status, "customer": customer}
        for name, value in (
            ("updated_at_from", updated_from),
            ("updated_at_to", updated_to),
            ("created_at_from", created_from),
            ("created_at_to", created_to),
        ):
            params[name] = format_filter_time(value) if value is not None else None
        return {k: v for k, v in params.items() if v is not None}

    def list_orders_page(self, page: int = 1, per_page: int = MAX_PER_PAGE, **filters: Any) -> Page:
        return self.list_page(
            "/orders", "orders", params=self.order_filters(**filters), page=page, per_page=per_page
        )

    def iter_orders(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Order summaries, newest id first; duplicates at page borders (new orders while paging) dropped."""
        seen: set[Any] = set()
        for page in self.iter_pages("/orders", "orders", self.order_filters(**filters)):
            for summary in page.items:
                if summary.get("order_id") not in seen:
                    seen.add(summary.get("order_id"))
                    yield summary

    def get_order(self, order_id: int) -> dict[str, Any]:
        return self.request("GET", "/orders/{order_id}", ids={"order_id": order_id})

    def update_order(self, order_id: int, **fields: Any) -> dict[str, Any]:
        """PUT /orders/:id. The answer may be the legacy serializer shape; re-GET for the canonical one."""
        return self.request("PUT", "/orders/{order_id}", ids={"order_id": order_id}, body={"order": fields})

    def cancel_order(self, order_id: int) -> dict[str, Any]:
        """Returns {"success": [...], "errors": [...]}; partial success is normal."""
        return self.request("PUT", "/orders/{order_id}/cancel", ids={"order_id": order_id})

    # --- shipments -------------------------------------------------------------------------------------

    def list_shipments(self, order_id: int) -> list[dict[str, Any]]:
        data = self.request("GET", "/orders/{order_id}/shipments", ids={"order_id": order_id})
        return list(_collection(data, "shipments"))

    def create_shipment(self, order_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        """`payload` is the root-keyed body from translate.shipment_payload(): {"shipment": {...}}."""
        if "shipment" not in payload:
            raise ValueError("payload must be {'shipment': {...}} (see translate.shipment_payload)")
        return self.request("POST", "/orders/{order_id}/shipments", ids={"order_id": order_id}, body=payload)

    def delete_shipment(self, order_id: int, shipment_id: int) -> dict[str, Any]:
        return self.request(
            "DELETE",
            "/orders/{order_id}/shipments/{shipment_id}",
            ids={"order_id": order_id, "shipment_id": shipment_id},
        )

    # --- inventory and catalog -------------------------------------------------------------------------

    def iter_inventories(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Store-wide inventory rows; vendor-managed products are not listed by the store."""
        for page in self.iter_pages("/inventories", "inventories", filters):
            yield from page.items

    def batch_update_inventory(self, product_id: int, items: list[Mapping[str, Any]]) -> BatchConfirmation:
        """Absolute values for rows of one product: items are {"id": inventory_id, "inventory": n, ...}.

        Retried like a read after a 5xx, 429, dropped connection or timeout: the values are absolute (set to,
        not add), so a request that did reach the store before its answer was lost sets the same figures
        again. The store applies a batch whole or not at all."""
        answer = self.answer(
            "PUT",
            "/inventories/{product_id}/batch_update",
            ids={"product_id": product_id},
            body={"inventories": [dict(i) for i in items]},
            idempotent=True,
        )
        return BatchConfirmation(list(_collection(answer.data, "inventories")), answer.served_at)

    def get_product_inventories(self, product_id: int) -> dict[str, Any]:
        """{"enabled": bool, "inventories": [...]} (empty when the vendor manages the stock)."""
        return self.request("GET", "/products/{product_id}/inventories", ids={"product_id": product_id})

    def iter_products(self, **filters: Any) -> Iterator[dict[str, Any]]:
        for page in self.iter_pages("/products", "products", filters):
            yield from page.items

    def get_product(self, product_id: int) -> dict[str, Any]:
        return self.request("GET", "/products/{product_id}", ids={"product_id": product_id})

    def list_shipping_methods(self) -> list[str]:
        data = self.request("GET", "/shipping_methods")
        return [str(name) for name in _collection(data, "shipping_methods")]

    def list_origin_addresses(self) -> list[dict[str, Any]]:
        pages = self.iter_pages("/origin_addresses", "origin_addresses")
        return [item for page in pages for item in page.items]

    def test_connection(self) -> ConnectionReport:
        return check_connection(self)
