"""The field names the app reads from a request: every WTForms field of forms/, and the names views read from
`request.form` / `request.args` themselves. The probes and the fuzzers send these (and others)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from wtforms import Form
from wtforms.fields import FileField
from wtforms.fields.core import UnboundField

ROOT = Path(__file__).resolve().parents[2]


def form_fields() -> dict[str, bool]:
    """Every field name of the app's forms -> whether it is a file field."""
    fields = {"csrf_token": False}
    for module in ROOT.joinpath("forms").glob("*.py"):
        namespace = importlib.import_module(f"forms.{module.stem}")
        for _name, cls in inspect.getmembers(namespace, inspect.isclass):
            if issubclass(cls, Form) and cls.__module__.startswith("forms."):
                for name, value in inspect.getmembers(cls):
                    if isinstance(value, UnboundField):
                        fields[name] = issubclass(value.field_class, FileField) or fields.get(name, False)
    return fields


def names_views_read() -> set[str]:
    """Field names the views read from the request themselves (`request.form.get("kind")` and the like)."""
    names = set()
    for path in [*ROOT.joinpath("blueprints").rglob("*.py"), *ROOT.joinpath("web").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            reads_request = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and ast.unparse(node.func.value) in {"request.form", "request.args", "request.values"}
            )
            if reads_request and node.args and isinstance(node.args[0], ast.Constant):
                names.add(str(node.args[0].value))
    return names


def text_field_names() -> list[str]:
    fields = form_fields()
    return sorted({name for name, is_file in fields.items() if not is_file} | names_views_read())
