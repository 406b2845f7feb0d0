"""Reads the import graph of the project packages with `ast` and checks it against a rule table.

Every import counts: module level, inside functions, under `if TYPE_CHECKING:`, in `try:`
blocks, and `importlib.import_module("...")` / `__import__("...")` with a literal name.
Relative imports are resolved. An import whose name is computed (an f-string) is invisible.
`from pkg import name` counts as an import of the submodule `pkg.name` when there is one,
else of `pkg`; the parent packages Python runs on the way are not counted as imports.

The rule table itself lives in tests/test_architecture.py; this module only applies it.
"""

from __future__ import annotations

import ast
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

SERVER = "office_server"


@dataclass(frozen=True)
class Rules:
    """The dependency rules; names inside office_server are relative to it ("letters.api")."""

    packages: Sequence[str]
    package_may_import: Mapping[str, Sequence[str]]
    edge: Sequence[str]
    route_modules: Sequence[str]
    domain_rank: Sequence[str]
    core: Sequence[str]
    core_may_import: Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool


@dataclass(frozen=True)
class Import:
    importer: str
    line: int
    imported: str


@dataclass(frozen=True)
class Violation:
    rule: str
    importer: str
    line: int
    imported: str
    reason: str
    path: str = ""

    @property
    def place(self) -> str:
        where = self.path or self.importer
        return f"{where}:{self.line}" if self.line else where

    def __str__(self) -> str:
        if not self.imported:
            return f"[{self.rule}] {self.place}: {self.importer}: {self.reason}"
        return f"[{self.rule}] {self.place}: {self.importer} imports {self.imported}: {self.reason}"


def find_modules(root: Path, packages: Iterable[str]) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for package in packages:
        base = root / package
        if not base.is_dir():
            continue  # regency_hub, until it exists
        for path in sorted(base.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(p == "__pycache__" or p.startswith(".") for p in parts):
                continue
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            modules[name] = Module(name, path, is_package)
    return modules


def _literal_import_call(node: ast.Call) -> str | None:
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _raw_imports(tree: ast.AST, module: Module) -> Iterator[tuple[int, str, str | None]]:
    """(line, dotted base, imported name or None) for every import in the tree."""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            if base == "__future__":
                continue
            for alias in node.names:
                yield node.lineno, base, None if alias.name == "*" else alias.name
        elif isinstance(node, ast.Call) and (name := _literal_import_call(node)):
            yield node.lineno, name, None


def _resolve(name: str, modules: Mapping[str, Module], packages: Sequence[str]) -> str | None:
    """The project module a dotted name lands in; None outside the project packages."""
    if name.partition(".")[0] not in packages:
        return None
    probe = name
    while probe and probe not in modules:
        probe = probe.rpartition(".")[0]
    # A package that does not exist (yet) is still named, so that R1 can forbid it.
    return probe or name


def read_imports(
    modules: Mapping[str, Module], packages: Sequence[str]
) -> tuple[list[Import], list[Violation]]:
    imports: list[Import] = []
    problems: list[Violation] = []
    for module in modules.values():
        try:
            with warnings.catch_warnings():
                # An invalid escape in a string is the module's business, not this check's.
                warnings.simplefilter("ignore")
                tree = ast.parse(module.path.read_bytes(), filename=str(module.path))
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", 0) or 0
            problems.append(Violation("parse", module.name, line, "", f"cannot parse: {exc}"))
            continue
        seen: set[tuple[int, str]] = set()
        for line, base, name in _raw_imports(tree, module):
            target = None
            if name and f"{base}.{name}" in modules:
                target = f"{base}.{name}"  # `from pkg import submodule`
            else:
                target = _resolve(base, modules, packages)
            if target is None or target == module.name or (line, target) in seen:
                continue
            seen.add((line, target))
            imports.append(Import(module.name, line, target))
    imports.sort(key=lambda i: (i.importer, i.line, i.imported))
    return imports, problems


class _Classifier:
    """Sorts office_server modules into edge, core and domain modules, as the table says."""

    def __init__(self, rules: Rules, modules: Mapping[str, Module]) -> None:
        self.rules = rules
        self.rank = {d: i for i, d in enumerate(rules.domain_rank)}
        self.domains = {
            rel
            for name, m in modules.items()
            if m.is_package
            and (rel := _relative(name))
            and "." not in rel
            and not self.is_edge(name)
        }

    def is_edge(self, name: str) -> bool:
        rel = _relative(name)
        return rel is not None and any(fnmatchcase(rel, p) for p in self.rules.edge)

    def is_route(self, name: str) -> bool:
        rel = _relative(name)
        return rel is not None and any(fnmatchcase(rel, p) for p in self.rules.route_modules)

    def domain(self, name: str) -> str | None:
        rel = _relative(name)
        top = rel.partition(".")[0] if rel else None
        return top if top in self.domains else None

    def is_core(self, name: str) -> bool:
        rel = _relative(name)
        return rel == "" or (rel is not None and rel in self.rules.core and not self.is_edge(name))


def _relative(name: str) -> str | None:
    if name == SERVER:
        return ""
    if name.startswith(SERVER + "."):
        return name[len(SERVER) + 1 :]
    return None


def _check_table(c: _Classifier, modules: Mapping[str, Module]) -> Iterator[Violation]:
    for domain in sorted(c.domains - c.rank.keys()):
        yield Violation(
            "table",
            f"{SERVER}.{domain}",
            0,
            "",
            "domain has no rank: add it to DOMAIN_RANK (or to EDGE if it is not a domain)",
        )
    for name in sorted(modules):
        rel = _relative(name)
        if not rel or c.is_edge(name) or c.domain(name) or c.is_core(name):
            continue
        if "." in rel:
            continue  # inside a subpackage that is neither a domain nor an edge: none today
        yield Violation("table", name, 0, "", "neither edge nor core: add it to EDGE or CORE")


def _check_import(c: _Classifier, rules: Rules, imp: Import) -> Iterator[Violation]:
    src, dst = imp.importer, imp.imported
    src_pkg, dst_pkg = src.partition(".")[0], dst.partition(".")[0]

    if src_pkg != dst_pkg and dst_pkg not in rules.package_may_import.get(src_pkg, ()):
        allowed = ", ".join(rules.package_may_import.get(src_pkg, ())) or "no other project package"
        yield Violation("R1", src, imp.line, dst, f"{src_pkg} may import only: {allowed}")

    if src_pkg != SERVER or dst_pkg != SERVER:
        return

    src_edge, dst_edge = c.is_edge(src), c.is_edge(dst)
    src_domain, dst_domain = c.domain(src), c.domain(dst)
    src_core = c.is_core(src)

    if dst_edge and not src_edge and (src_core or src_domain):
        yield Violation(
            "R2", src, imp.line, dst, "a non-edge module imports an edge module (see EDGE)"
        )

    if c.is_route(src) and c.is_route(dst):
        yield Violation(
            "R3",
            src,
            imp.line,
            dst,
            "an api/pages module imports another api/pages module; "
            "move the shared code into a service or schemas module",
        )

    if dst_domain is None:
        return
    if src_core and dst_domain not in rules.core_may_import.get(_relative(src) or "", ()):
        yield Violation(
            "R4",
            src,
            imp.line,
            dst,
            f"core module imports domain {dst_domain!r} (not in CORE_MAY_IMPORT)",
        )
    elif src_domain and not src_edge and dst_domain != src_domain:
        src_rank, dst_rank = c.rank.get(src_domain), c.rank.get(dst_domain)
        if src_rank is not None and dst_rank is not None and dst_rank > src_rank:
            yield Violation(
                "R4",
                src,
                imp.line,
                dst,
                f"domain {src_domain!r} (rank {src_rank}) imports higher-ranked domain "
                f"{dst_domain!r} (rank {dst_rank}); see DOMAIN_RANK",
            )


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
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


def _shortest_cycle(graph: Mapping[str, set[str]], start: str, within: set[str]) -> list[str]:
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & within):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start]


def _check_cycles(imports: Sequence[Import], modules: Mapping[str, Module]) -> Iterator[Violation]:
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for imp in imports:
        if imp.imported in graph:
            graph[imp.importer].add(imp.imported)
    for component in _strongly_connected(graph):
        members = set(component)
        cycle = " -> ".join(_shortest_cycle(graph, component[0], members))
        # Every import between two members lies on some cycle: each one is reported.
        for imp in imports:
            if imp.importer in members and imp.imported in members:
                yield Violation(
                    "R5",
                    imp.importer,
                    imp.line,
                    imp.imported,
                    f"import cycle among {', '.join(component)} (e.g. {cycle})",
                )


def check(root: Path, rules: Rules) -> list[Violation]:
    """Every violation of `rules` in the packages under `root`, sorted by rule and place."""
    modules = find_modules(root, rules.packages)
    imports, problems = read_imports(modules, rules.packages)
    classifier = _Classifier(rules, modules)
    found = [*problems, *_check_table(classifier, modules)]
    for imp in imports:
        found.extend(_check_import(classifier, rules, imp))
    found.extend(_check_cycles(imports, modules))
    paths = {name: m.path.relative_to(root).as_posix() for name, m in modules.items()}
    located = [
        Violation(v.rule, v.importer, v.line, v.imported, v.reason, paths.get(v.importer, ""))
        for v in found
    ]
    return sorted(set(located), key=lambda v: (v.rule, v.importer, v.line, v.imported))


def report(violations: Sequence[Violation]) -> str:
    """All violations, grouped by rule; the imports of one cycle are listed under it."""
    by_rule: dict[str, list[Violation]] = defaultdict(list)
    for v in violations:
        by_rule[v.rule].append(v)
    lines = [f"{len(violations)} dependency rule violation(s):"]
    for rule, items in sorted(by_rule.items()):
        lines.append(f"\n{rule} ({len(items)}):")
        if rule != "R5":
            lines.extend(f"  {v}" for v in items)
            continue
        by_cycle: dict[str, list[Violation]] = defaultdict(list)
        for v in items:
            by_cycle[v.reason].append(v)
        for reason, cycle in by_cycle.items():
            lines.append(f"  [R5] {reason}; every import inside it:")
            lines.extend(f"    {v.place}: {v.importer} imports {v.imported}" for v in cycle)
    return "\n".join(lines)
