"""Catalog and reference endpoints : products, shipping methods, origins."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox import serialize
from sandbox.api_inventory import product_filter, product_or_404
from sandbox.gateway import current_store
from sandbox.params import paginate


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/products", view_func=list_products, methods=["GET"])
    bp.add_url_rule("/products/<int:product_id>", view_func=show_product, methods=["GET"])
    bp.add_url_rule("/shipping_methods", view_func=list_shipping_methods, methods=["GET"])
    bp.add_url_rule("/origin_addresses", view_func=list_origin_addresses, methods=["GET"])


def list_products() -> ResponseReturnValue:
    store = current_store()
    wanted = product_filter(request.args)
    with store.lock:
        matches = [p for p in sorted(store.products.values(), key=lambda p: p.id) if wanted(p)]
        page, meta = paginate(matches, request.args)
        return jsonify({"products": [serialize.product_list_item(p, store) for p in page], "meta": meta})


def show_product(product_id: int) -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        return jsonify(serialize.product_full(product_or_404(store, product_id), store))


def list_shipping_methods() -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        return jsonify({"shipping_methods": list(store.shipping_methods)})  # plain names, no meta (A.10)


def list_origin_addresses() -> ResponseReturnValue:
    store = current_store()
    with store.lock:
        page, meta = paginate(store.origin_addresses, request.args)
        return jsonify({"origin_addresses": page, "meta": meta})
