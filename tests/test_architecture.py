"""The layout rules import-linter cannot see (.importlinter checks the packages): what lies at the root,
what the four root modules import, and which layers may touch the request or commit."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOT_MODULES = {"app.py", "config.py", "extensions.py", "permissions.py"}
PROJECT = {
    "app",
    "bench",
    "blueprints",
    "cli",
    "config",
    "connectors",
    "extensions",
    "forms",
    "jobs",
    "models",
    "observability",
    "permissions",
    "run_queue",
    "sandbox",
    "services",
    "sync",
    "web",
    "tests",
}
# What each root module may import of the project: only the layers below its own.
ROOT_MAY_IMPORT = {
    "config.py": set(),
    "extensions.py": {"models", "config"},
    "permissions.py": {
        "forms",
        "sync",
        "services",
        "observability",
        "connectors",
        "models",
        "extensions",
        "config",
    },
}
REQUEST_NAMES = {"request", "session", "g", "flash", "render_template", "abort", "redirect", "url_for"}


def imported_modules(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_only_the_four_modules_lie_at_the_root():
    assert {p.name for p in ROOT.glob("*.py")} == ROOT_MODULES


def test_root_modules_import_only_lower_layers():
    for name, allowed in ROOT_MAY_IMPORT.items():
        project_imports = {
            module.split(".")[0]
            for module, _names in imported_modules(ROOT / name)
            if module.split(".")[0] in PROJECT
        }
        assert project_imports <= allowed, f"{name} imports {project_imports - allowed}"


def test_services_and_sync_never_touch_the_request():
    for package in ("services", "sync", "connectors", "models"):
        for path in python_files(package):
            for module, names in imported_modules(path):
                if module in {"flask", "flask_login"}:
                    touched = set(names) & (REQUEST_NAMES | {"current_user", "login_fresh"})
                    assert not touched, f"{path.relative_to(ROOT)} imports {touched} from {module}"


def test_services_never_commit():
    for path in python_files("services"):
        assert ".commit(" not in path.read_text(), f"{path.relative_to(ROOT)} commits; the caller owns it"


def test_the_application_never_imports_tests():
    for package in PROJECT - {"tests"}:
        paths = python_files(package) if (ROOT / package).is_dir() else [ROOT / f"{package}.py"]
        for path in paths:
            for module, _names in imported_modules(path):
                assert not module.startswith("tests"), f"{path.relative_to(ROOT)} imports {module}"


def test_no_test_module_imports_another():
    for path in (ROOT / "tests").rglob("test_*.py"):
        for module, _names in imported_modules(path):
            last = module.rsplit(".", 1)[-1]
            assert not last.startswith("test_"), (
                f"{path.relative_to(ROOT)} imports {module}; use tests/support/"
            )


def test_fragments_are_rendered_only_through_web_htmx():
    """One way to render a block (web.htmx.render, render_fragment): fragments follow one set of rules."""
    for package in PROJECT - {"tests"}:
        paths = python_files(package) if (ROOT / package).is_dir() else [ROOT / f"{package}.py"]
        for path in paths:
            if path == ROOT / "web" / "htmx.py":
                continue
            for module, _names in imported_modules(path):
                assert not module.startswith("jinja2_fragments"), f"{path.relative_to(ROOT)} imports {module}"


def test_docs_architecture_names_every_module():
    """docs/architecture.md is the map of the code: a new module goes on it, or this fails."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    packages = (
        "web",
        "blueprints",
        "forms",
        "services",
        "sync",
        "connectors",
        "observability",
        "jobs",
        "run_queue",
        "cli",
        "models",
        "sandbox",
    )
    missing = []
    for package in packages:
        for path in python_files(package):
            if path.name in {"__init__.py", "__main__.py"} and path.parent.name != "sync":
                continue
            relative = path.relative_to(ROOT).as_posix()
            if package == "forms" or relative in doc or f"`{path.name}`" in doc or f"`{path.stem}`" in doc:
                continue
            missing.append(relative)
    assert not missing, f"add to docs/architecture.md: {missing}"
