"""The package's layers, as folders, and the direction of every import between them.

``sim/`` is six layers, each a folder, each importing only from the layers below
it (:data:`LAYERS`, bottom first); :mod:`sim.errors` and :mod:`sim.version` are below them all, and the
package face (``sim/__init__.py``, ``sim/__main__.py``) may import any. Every
import counts, also one inside a function: a lazy import against the direction
is still a dependency. No two modules import each other, directly or round a
circle.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sim"
#: Bottom first: a module may import from its own layer and the ones before it.
LAYERS = ("base", "config", "model", "runs", "analysis", "reporting", "cli")
#: Modules of the bottom layer, beside the folders: the project's error and its version.
BASE = ("errors", "version")
FACE = ("sim", "sim.__main__")


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, package): p for p in package.rglob("*.py")
            if "__pycache__" not in p.parts and "scenarios" not in p.relative_to(package).parts[:1]}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    found = modules(package)
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def against_the_layers(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{name} -> {target}" for name, targets in graph.items() for target in targets
                  if layer_of(name) is not None and target not in FACE
                  and layer_of(target) > layer_of(name))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``sim`` that ``name`` imports (anywhere in the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                stem = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                stem = node.module or ""
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:      # sim.x.y.attr -> the module sim.x.y
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def layer_of(name: str) -> int | None:
    if name in FACE:
        return None
    top = name.split(".")[1]
    return 0 if top in BASE else LAYERS.index(top)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_module_sits_in_a_layer(graph):
    loose = [n for n in graph if n not in FACE and n.split(".")[1] not in (*LAYERS[1:], *BASE)]
    assert loose == []


def test_no_import_runs_against_the_layers(graph):
    assert against_the_layers(graph) == []


def test_nothing_imports_the_package_face_from_inside(graph):
    assert sorted(n for n, targets in graph.items() if n not in FACE and set(FACE) & targets) == []


#: Libraries only the layers from ``reporting`` up may use: drawing and argument parsing.
PRESENTATION = ("matplotlib", "argparse", "solara", "weasyprint", "jinja2")


def outside_imports(path: Path) -> set[str]:
    """The top-level names of the libraries a module imports (anywhere in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_below_reporting_nothing_draws_or_parses_arguments():
    low = {name: path for name, path in modules().items()
           if layer_of(name) is not None and layer_of(name) < LAYERS.index("reporting")}
    assert len(low) > 30
    drawing = sorted(f"{name}: {lib}" for name, path in low.items()
                     for lib in outside_imports(path) & set(PRESENTATION))
    assert drawing == []


def test_no_import_circles(graph):
    circles = [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]
    assert circles == []


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (components of mutually reachable modules)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(root: str) -> None:
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    out.append(component)
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_the_checks_see_a_wrong_import(tmp_path):
    """Negative control: a small package with a lazy import against the layers and a
    circle through a relative import is caught by the same functions."""
    fake = tmp_path / "sim"
    for folder in ("model", "reporting"):
        (fake / folder).mkdir(parents=True)
        (fake / folder / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "model" / "a.py").write_text("def f():\n    from ..reporting import b\n")
    (fake / "reporting" / "b.py").write_text("from ..model.a import f\n")
    graph = import_graph(fake)
    assert graph["sim.model.a"] == {"sim.reporting.b"} and graph["sim.reporting.b"] == {"sim.model.a"}
    assert against_the_layers(graph) == ["sim.model.a -> sim.reporting.b"]
    assert [sorted(c) for c in _strongly_connected(graph) if len(c) > 1] == [["sim.model.a", "sim.reporting.b"]]
