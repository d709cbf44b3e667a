"""The layering of STRUCTURE.md, read from the source: the domain (``wms``) never imports an integration or a
simulator, an integration never imports a simulator, and inside ``wms`` each app imports only the apps below it,
so a peer can be replaced, or the simulators left out, without touching the rules of the warehouse."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The project's wiring mounts the integrations' URLs; it holds no rule. It mounts the simulators by name only.
WIRING = {ROOT / "wms" / "urls.py"}
# Inside wms, what each app may import (STRUCTURE.md, "Layers"): the arrows point down only. The project's own
# modules (wms/settings.py, urls.py, celery.py, ...) are wiring and are not in a layer.
WMS_LAYERS = {
    "outbound": {"counts", "inventory", "catalog", "outbox", "core"},
    "inbound": {"inventory", "catalog", "outbox", "core"},
    "counts": {"inventory", "catalog", "core"},
    "inventory": {"catalog", "core"},
    "catalog": {"core"},
    "outbox": {"core"},
    "core": set(),
}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _in_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _offenders(package: str, forbidden: tuple[str, ...], exempt: set[Path] = frozenset()) -> dict[str, list[str]]:
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imported_modules(path)
                                            if any(_in_package(name, other) for other in forbidden))
        for path in sorted((ROOT / package).rglob("*.py")) if path not in exempt
    }
    return {path: names for path, names in offenders.items() if names}


def test_no_domain_module_imports_an_integration():
    assert _offenders("wms", ("integrations",), exempt=WIRING) == {}


def test_no_domain_module_imports_a_simulator_not_even_the_wiring():
    assert _offenders("wms", ("simulators",)) == {}


def test_no_integration_imports_a_simulator():
    assert _offenders("integrations", ("simulators",)) == {}


def test_every_domain_app_has_its_place_in_the_layers():
    apps = {path.parent.name for path in (ROOT / "wms").glob("*/apps.py")}
    assert apps == set(WMS_LAYERS)


@pytest.mark.parametrize("app", sorted(WMS_LAYERS))
def test_a_domain_app_imports_only_the_apps_below_it(app):
    allowed = WMS_LAYERS[app] | {app}
    upward = {
        str(path.relative_to(ROOT)): sorted(name for name in _imported_modules(path)
                                            if _in_package(name, "wms") and name != "wms"
                                            and name.split(".")[1] not in allowed)
        for path in sorted((ROOT / "wms" / app).rglob("*.py"))
    }
    assert {path: names for path, names in upward.items() if names} == {}


def test_the_layer_check_sees_an_import_written_inside_a_function(tmp_path):
    # Lazy imports (inside a function, as AppConfig.ready() does) count too: the walk covers the whole tree.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from integrations.one import client\n", encoding="utf-8")
    assert _imported_modules(module) == {"integrations.one"}


def test_the_layer_check_finds_an_upward_import_in_the_domain(tmp_path, monkeypatch):
    # The check itself fails on the import a demo command in wms/core once made (core reaching the order apps).
    package = tmp_path / "wms" / "core"
    package.mkdir(parents=True)
    (package / "cmd.py").write_text("from wms.outbound.services import outbound_order_create\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    with pytest.raises(AssertionError):
        test_a_domain_app_imports_only_the_apps_below_it("core")


def _stand_ins(path: Path) -> list[int]:
    """Lines of ``Model(pk=...)`` calls: an unsaved instance built only to hand a service an id."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id[:1].isupper()
            and not node.args and [kw.arg for kw in node.keywords] in (["pk"], ["id"])]


def test_no_service_is_handed_a_stand_in_instance():
    # A service that a task or a push calls takes the id (STRUCTURE.md, "Who does a step").
    paths = sorted(path for package in ("wms", "integrations", "simulators") for path in (ROOT / package).rglob("*.py"))
    assert [f"{path.relative_to(ROOT)}:{line}" for path in paths for line in _stand_ins(path)] == []


def test_the_stand_in_check_sees_one(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(order_id):\n    return allocate(order=OutboundOrder(pk=order_id))\n", encoding="utf-8")
    assert _stand_ins(module) == [2]
