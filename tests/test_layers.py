"""The layering of STRUCTURE.md, read from the source: the domain (``wms``) never imports an integration or a
simulator, so a peer can be replaced without touching the rules of the warehouse."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's wiring mounts both layers' URLs; it holds no rule.
WIRING = {ROOT / "wms" / "urls.py"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_domain_module_imports_an_integration_or_a_simulator():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imported_modules(path)
                                            if name == "integrations" or name.startswith("integrations."))
        for path in sorted((ROOT / "wms").rglob("*.py")) if path not in WIRING
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_layer_check_sees_an_import_written_inside_a_function(tmp_path):
    # Lazy imports (inside a function, as AppConfig.ready() does) count too: the walk covers the whole tree.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from integrations.one import client\n", encoding="utf-8")
    assert _imported_modules(module) == {"integrations.one"}



def _stand_ins(path: Path) -> list[int]:
    """Lines of ``Model(pk=...)`` calls: an unsaved instance built only to hand a service an id."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id[:1].isupper()
            and not node.args and [kw.arg for kw in node.keywords] in (["pk"], ["id"])]


def test_no_service_is_handed_a_stand_in_instance():
    # A service that a task or a push calls takes the id (STRUCTURE.md, "Who does a step").
    paths = sorted([*(ROOT / "wms").rglob("*.py"), *(ROOT / "integrations").rglob("*.py")])
    assert [f"{path.relative_to(ROOT)}:{line}" for path in paths for line in _stand_ins(path)] == []


def test_the_stand_in_check_sees_one(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(order_id):\n    return allocate(order=OutboundOrder(pk=order_id))\n", encoding="utf-8")
    assert _stand_ins(module) == [2]
