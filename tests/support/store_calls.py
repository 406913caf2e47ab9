"""Which routes can make a billed call to a store, found in the source: the project's call graph.

Every Bright Sites client is made in `services.channels.store_connection`, so a route calls a store when its
view function reaches a function of that module through the project's own functions: a call, or a function
handed on to be called (a callback). `reference_cache.get` is the one cache on the way: it calls the store on
every request only when told to refresh (`refresh=True`); otherwise at most once an hour per list, whoever
asks, so that use is not followed. A job runs elsewhere (RQ enqueues it by name), so enqueueing is no call.

The graph is conservative where it cannot be exact: using a class counts as reaching all of its methods.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("blueprints", "web", "forms", "services", "sync", "jobs")
ROOT_MODULES = ("permissions",)
STORE_MODULE = "services.channels.store_connection"
REFRESHING_CACHE = ("services.channels.reference_cache", "get")
STORE = ("<store>", "<billed call>")

Node = tuple[str, str]  # (module, top-level function or class)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


class _Module:
    def __init__(self, name: str, tree: ast.Module) -> None:
        self.name = name
        self.definitions = {
            node.name: node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        self.aliases: dict[str, str] = {}  # local name -> module
        self.imported: dict[str, Node] = {}  # local name -> (module, name) of a function or class
        for node in ast.walk(tree):  # imports inside functions too (the late ones that avoid cycles)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.aliases[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    local, full = alias.asname or alias.name, f"{node.module}.{alias.name}"
                    if _is_module(full):
                        self.aliases[local] = full
                    else:
                        self.imported[local] = (node.module, alias.name)

    def resolve(self, expression: ast.expr) -> Node | None:
        """The project function or class an expression names, when it can be told from the source."""
        if isinstance(expression, ast.Name):
            if expression.id in self.definitions:
                return (self.name, expression.id)
            return self.imported.get(expression.id)
        dotted = _dotted(expression)
        if dotted is None or "." not in dotted:
            return None
        module, _, name = dotted.rpartition(".")
        head, _, rest = module.partition(".")
        if head not in self.aliases:
            return None
        return (".".join(filter(None, [self.aliases[head], rest])), name)


class CallGraph:
    def __init__(self) -> None:
        paths = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
        paths += [ROOT / f"{name}.py" for name in ROOT_MODULES]
        self.modules = {
            _module_name(path): _Module(_module_name(path), ast.parse(path.read_text())) for path in paths
        }
        self.edges: dict[Node, set[Node]] = {}
        for module in self.modules.values():
            for name, definition in module.definitions.items():
                self.edges[(module.name, name)] = self._callees(module, definition)

    def _callees(self, module: _Module, definition: ast.AST) -> set[Node]:
        body = definition.body  # not the decorators: they wrap the view, the view does not call them
        callees: set[Node] = set()
        cache_reads: set[int] = set()
        for node in (n for statement in body for n in ast.walk(statement)):
            if isinstance(node, ast.Call) and module.resolve(node.func) == REFRESHING_CACHE:
                cache_reads.add(id(node.func))
                refreshing = any(
                    k.arg == "refresh" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in node.keywords
                )
                if refreshing:
                    callees.add(STORE)
        for node in (n for statement in body for n in ast.walk(statement)):
            if isinstance(node, ast.Name | ast.Attribute) and id(node) not in cache_reads:
                target = module.resolve(node)
                if target is not None and target[0] in self.modules:
                    callees.add(target)
        return callees

    def reaches_store(self, view: Callable) -> bool:
        function = inspect.unwrap(view)
        start = (function.__module__, function.__qualname__.split(".")[0])
        assert start in self.edges, f"{start} is not in the graph: add its package to PACKAGES"
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == STORE or node[0] == STORE_MODULE:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(self.edges.get(node, ()))
        return False
