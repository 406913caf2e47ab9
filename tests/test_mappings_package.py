"""The layout of blueprints/mappings/: the per-kind view modules import the panel, never the other way round;
nothing in the package imports in a cycle or below its code (no registry filled by a late import); and the
routes keep their URLs and endpoint names, which templates and the policy matrix use."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "blueprints.mappings"
ROOT = Path(__file__).resolve().parents[1]
DIRECTORY = ROOT / "blueprints" / "mappings"
KINDS = ("warehouses", "carriers", "skus")
ROUTES = {
    ("mappings.warehouses", "/warehouses", ("GET",)),
    ("mappings.save_warehouse", "/warehouses/<int:warehouse_id>", ("POST",)),
    ("mappings.save_warehouse_role", "/warehouses/<int:warehouse_id>/role", ("POST",)),
    ("mappings.carriers", "/carriers", ("GET",)),
    ("mappings.add_carrier", "/carriers", ("POST",)),
    ("mappings.carrier_service_field", "/carriers/services", ("GET",)),
    ("mappings.edit_carrier", "/carriers/<int(max=2147483647):carrier_mapping_id>/edit", ("GET", "POST")),
    ("mappings.make_primary", "/carriers/<int(max=2147483647):carrier_mapping_id>/primary", ("POST",)),
    ("mappings.delete_carrier", "/carriers/<int(max=2147483647):carrier_mapping_id>/delete", ("POST",)),
    ("mappings.import_carriers", "/carriers/import", ("POST",)),
    ("mappings.export_carriers", "/carriers/export", ("GET",)),
    ("mappings.skus", "/skus", ("GET",)),
    ("mappings.add_sku", "/skus", ("POST",)),
    ("mappings.variant_search", "/skus/variants", ("GET",)),
    ("mappings.edit_sku", "/skus/<int(max=2147483647):sku_mapping_id>/edit", ("GET", "POST")),
    ("mappings.delete_sku", "/skus/<int(max=2147483647):sku_mapping_id>/delete", ("POST",)),
    ("mappings.auto_map", "/skus/auto-map", ("POST",)),
    ("mappings.confirm_auto_map", "/skus/auto-map/confirm", ("POST",)),
    ("mappings.catalog_proposals", "/skus/catalog-proposals", ("GET",)),
    ("mappings.unmapped_skus", "/skus/unmapped", ("GET",)),
    ("mappings.import_skus", "/skus/import", ("POST",)),
    ("mappings.export_skus", "/skus/export", ("GET",)),
    ("mappings.refresh", "/refresh", ("POST",)),
}


def module_names() -> list[str]:
    return sorted(path.stem for path in DIRECTORY.glob("*.py"))


def package_imports(name: str) -> set[str]:
    """Modules of the package that `name` (a file stem of it) imports; "__init__" for the package itself."""
    tree = ast.parse((DIRECTORY / f"{name}.py").read_text())
    submodules = set(module_names()) - {"__init__"}
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            # `from blueprints.mappings import carriers, bp`: a submodule, and a name of the package itself
            imported |= {f"{PACKAGE}.{a.name}" if a.name in submodules else PACKAGE for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    found = {module.removeprefix(PACKAGE + ".") for module in imported if module.startswith(PACKAGE + ".")}
    return found | ({"__init__"} if PACKAGE in imported else set())


def test_the_panel_imports_no_view_of_the_package():
    assert package_imports("panel") == set()


def test_each_kind_imports_only_the_panel():
    for kind in KINDS:
        assert package_imports(kind) == {"panel"}, kind


def test_the_package_imports_in_no_cycle():
    graph = {name: package_imports(name) for name in module_names()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for imported in graph.get(start, set()):
            if imported == goal or (imported not in seen and reaches(imported, goal, seen | {imported})):
                return True
        return False

    cycles = [name for name in graph if reaches(name, name, {name})]
    assert not cycles, f"import cycles through {cycles}"


def test_every_import_comes_before_the_code():
    for name in module_names():
        body = ast.parse((DIRECTORY / f"{name}.py").read_text()).body
        kinds = [isinstance(node, ast.Import | ast.ImportFrom) for node in body]
        first_code = kinds.index(False, 1) if False in kinds[1:] else len(kinds)  # after the docstring
        assert not any(kinds[first_code:]), f"{name}.py imports after its code starts"


def test_urls_and_endpoint_names_stay(app):
    prefix = "/channels/<int:channel_id>/mappings"
    routes = {
        (rule.endpoint, rule.rule.removeprefix(prefix), tuple(sorted(rule.methods - {"HEAD", "OPTIONS"})))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("mappings.")
    }
    assert routes == ROUTES
