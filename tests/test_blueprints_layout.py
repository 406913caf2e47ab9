"""The layout of blueprints/: every blueprint is registered by an explicit import in app.py (no lookup by
string that import-linter and a reader cannot see); a module at the top of blueprints/ is a blueprint; the
page presenter packages (channel_page, order_page) define none."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from flask import Blueprint

import app as app_module
import blueprints

ROOT = Path(__file__).resolve().parents[1]
PRESENTER_PACKAGES = ("blueprints.channel_page", "blueprints.order_page", "blueprints.overview_page")


def blueprint_modules() -> dict[str, list[Blueprint]]:
    found = {}
    for info in pkgutil.walk_packages(blueprints.__path__, "blueprints."):
        module = importlib.import_module(info.name)
        found[info.name] = [
            value
            for value in vars(module).values()
            if isinstance(value, Blueprint) and value.import_name == info.name
        ]
    return found


def test_every_blueprint_is_registered_by_an_explicit_import():
    defined = {bp for bps in blueprint_modules().values() for bp in bps}
    assert set(app_module.BLUEPRINTS) == defined
    tree = ast.parse((ROOT / "app.py").read_text())
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert "import_module" not in imported


def test_a_module_at_the_top_of_blueprints_is_a_blueprint():
    for name, bps in blueprint_modules().items():
        if name.count(".") == 1 and not hasattr(importlib.import_module(name), "__path__"):
            assert bps, f"{name} defines no blueprint: a presenter belongs in a page package"


def test_the_page_presenter_packages_define_no_blueprint():
    for name, bps in blueprint_modules().items():
        if name.startswith(PRESENTER_PACKAGES):
            assert not bps, f"{name} defines a blueprint"
