"""The shape of the package: every SQL statement lives in `stance/store`, and no module imports
itself round a circle (docs: issue 11). Both checks read the source, so they hold for code that no
other test runs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "stance"
STORE = PACKAGE / "store"

# Import circles being taken apart by open work (issue 11), tolerated until they are gone.
CIRCLES_BEING_REMOVED = [
]

# SQL statements as the code base writes them: keywords in capitals. Lowercase English in messages
# ("select a value from the list") is not SQL.
SQL_PATTERNS = [
    re.compile(r"\bSELECT\b.*\bFROM\b", re.DOTALL),
    re.compile(r"\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b"),
    re.compile(r"\bUPDATE\s+\w+\s+SET\b"),
    re.compile(r"\bDELETE\s+FROM\b"),
    re.compile(r"\b(CREATE|DROP|ALTER)\s+(UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\b"),
    re.compile(r"\bPRAGMA\s+\w+"),
    re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b"),
]
DATABASE_CALLS = {"execute", "executemany", "executescript", "read_sql", "read_sql_query"}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (prose, not code)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def sql_in_source(source: str) -> list[str]:
    """Where a module's source holds SQL: string literals (f-string parts too) that read as SQL
    statements, and calls that run SQL (`.execute(...)`, `pd.read_sql_query(...)`)."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            if any(p.search(node.value) for p in SQL_PATTERNS):
                found.append(f"line {node.lineno}: {node.value.strip()[:60]!r}")
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in DATABASE_CALLS:
                found.append(f"line {node.lineno}: a call to {name}()")
    return found


def _modules() -> dict[str, Path]:
    """{dotted module name: file} for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(name: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> list[str]:
    """The package modules one import statement loads (a `from X import y` of a submodule y names y)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """{module: the package modules it imports}, lazy imports inside functions included."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets.update(t for t in _imported(name, path, node, modules) if t in modules and t != name)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Sets of modules that import each other round a loop (strongly connected components > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm; the graph has a few hundred nodes at most
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


# -- the checks ---------------------------------------------------------------------------------------

SAMPLE_WITH_SQL = '''
"""Docstrings may say SELECT x FROM y in prose."""
def f(conn, ids):
    rows = conn.execute("SELECT id FROM passages WHERE id = ?", (ids,))
    sql = (
        "INSERT OR IGNORE INTO documents (id) VALUES (?)"
    )
    where = f" WHERE passage_id IN (SELECT passage_id FROM cur) AND x = {ids}"
    return "UPDATE annotators SET token_hash = ?", "PRAGMA synchronous = FULL", "BEGIN IMMEDIATE"
'''
SAMPLE_WITHOUT_SQL = '''
"""Nothing here is SQL: SELECT x FROM y in a docstring is prose."""
def g(value):
    raise ValueError(f"select a value from the list, got {value!r}; update the file and set it")
'''


def test_the_sql_check_finds_sql_and_only_sql():
    found = sql_in_source(SAMPLE_WITH_SQL)
    assert [f.split(":")[0] for f in found].count("line 4") == 2  # the statement and the execute() call
    assert any(f.startswith("line 6") for f in found)  # implicit concatenation in parentheses
    assert any(f.startswith("line 8") for f in found)  # part of an f-string
    assert len([f for f in found if f.startswith("line 9")]) == 3  # UPDATE, PRAGMA, BEGIN
    assert sql_in_source(SAMPLE_WITHOUT_SQL) == []


def test_no_sql_outside_the_store():
    offenders = {}
    for path in _modules().values():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if path.is_relative_to(STORE):
            continue
        found = sql_in_source(path.read_text(encoding="utf-8"))
        if found:
            offenders[rel] = found
    assert not offenders, "SQL belongs in stance/store (add a function there):\n" + "\n".join(
        f"{rel}: {'; '.join(found)}" for rel, found in offenders.items())


def test_the_store_holds_sql():  # the scan reads the right files: the store itself is full of SQL
    assert sql_in_source((STORE / "labels.py").read_text(encoding="utf-8"))


def test_the_circle_check_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []
    modules = _modules()
    assert "stance.store" in modules and "stance.store.labels" in modules
    assert "stance.codebook" in import_graph(modules)["stance.store.project"]  # relative imports resolved


def test_no_import_circles():
    found = circles(import_graph(_modules()))
    for known in CIRCLES_BEING_REMOVED:
        if known in found:
            found.remove(known)
    assert not found, "import circles: " + "; ".join(" <-> ".join(sorted(c)) for c in found)
