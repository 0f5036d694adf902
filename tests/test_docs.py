"""The documents name code that exists.

``docs/MODEL.md`` (the model's authority) and the README cite code as
`` `sim/x/y.py: name, other` `` or as a bare `` `sim/x/y.py` ``: every file
cited must exist, and every name after the colon must be defined in it (a
function, class, constant, or ``Class.method``; a name in a later cell of the
same table row or after ``;`` belongs to the file cited before it).
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("docs/MODEL.md", "README.md")
#: `sim/path.py` or `sim/path.py: a, b.c, _d` inside backticks.
CITATION = re.compile(r"`(sim/[\w/]+\.py)(?::\s*([^`]+))?`")
#: `name` or `Class.method` cited after a file in the same backticks.
NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)?$")


SPAN = re.compile(r"`([^`\n]+)`")


def citations(text: str) -> list[tuple[str, str]]:
    """(file, name) for each name cited, (file, "") for a file cited alone. A bare
    `` `name` `` right after a citation (separated by a comma only) is of the same file:
    `` `sim/a.py: f`, `g` `` cites ``f`` and ``g`` of ``sim/a.py``."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        current, end = None, 0
        for span in SPAN.finditer(line):
            between, inner = line[end:span.start()], span.group(1)
            end = span.end()
            cited = CITATION.fullmatch(f"`{inner}`")
            if cited:
                current = cited.group(1)
                names = [n.strip().split("(")[0].strip() for n in (cited.group(2) or "").split(",")]
                names = [n for n in names if n]
                out.extend((current, n) for n in names) if names else out.append((current, ""))
            elif current and re.fullmatch(r"\s*,\s*", between) and NAME.match(inner):
                out.append((current, inner))
            else:
                current = None
    return out


def defined_names(path: Path) -> set[str]:
    """Every name a module defines at its top level, and ``Class.member`` for classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(f"{node.name}.{member.name}")
                    names.add(member.name)           # a method cited after its class, bare
                elif isinstance(member, (ast.Assign, ast.AnnAssign)):
                    for target in (member.targets if isinstance(member, ast.Assign) else [member.target]):
                        if isinstance(target, ast.Name):
                            names.add(f"{node.name}.{target.id}")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                if isinstance(target, ast.Name):
                    names.add(target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_file_and_name_a_document_cites_exists(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    found = citations(text)
    assert found, f"{document} cites no code: the pattern no longer matches its style"
    missing = sorted({f"{path}: {name}" if name else path for path, name in found
                      if not (ROOT / path).is_file()
                      or (name and NAME.match(name) and name not in defined_names(ROOT / path))})
    assert missing == [], f"{document} cites what does not exist"


def test_the_check_sees_a_name_that_is_gone(tmp_path):
    """Negative control: a citation of a removed function is reported."""
    module = ROOT / "sim" / "model" / "measures.py"
    assert ("sim/model/measures.py", "summarise") in citations("`sim/model/measures.py: summarise`")
    assert "summarise" in defined_names(module)
    assert "frame_from_arrays" not in defined_names(module)
    assert citations("`sim/model/nowhere.py`") == [("sim/model/nowhere.py", "")]
    assert citations("`sim/a.py: f`, `g` (shared); `h`") == [("sim/a.py", "f"), ("sim/a.py", "g")]
