"""The engine's shape: services composed by the facade, each piece of state owned by one of them.

trkit/mock/engine/service.py says the rule: a service receives the parts its ``needs`` names and
nothing else, keeps its own state in private fields, and asks another service through its methods.
These tests read the code (its AST and its classes) and hold every service to it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import trkit.mock.engine as engine_package
from trkit.mock.engine import Store, TaskRouterEngine
from trkit.mock.engine.facade import Door
from trkit.mock.engine.service import Service

ENGINE = Path(engine_package.__file__).parent
MAX_METHODS = 60


def engine_classes() -> list[type]:
    classes = []
    for info in pkgutil.iter_modules([str(ENGINE)]):
        module = importlib.import_module(f"trkit.mock.engine.{info.name}")
        classes += [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    return classes


SERVICES = sorted((c for c in engine_classes() if issubclass(c, Service) and c is not Service), key=lambda c: c.__name__)


def class_node(cls: type) -> ast.ClassDef:
    tree = ast.parse(Path(inspect.getsourcefile(cls)).read_text())
    return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)


def self_attributes(node: ast.ClassDef) -> list[ast.Attribute]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"]


def reached_by_helpers(cls: type) -> set[str]:
    """What the module's plain functions that take the service (``stats: Statistics``) reach through it."""
    tree = ast.parse(Path(inspect.getsourcefile(cls)).read_text())
    reached = set()
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.args.args):
        first = function.args.args[0]
        if isinstance(first.annotation, ast.Name) and first.annotation.id == cls.__name__:
            reached |= {n.attr for n in ast.walk(function)
                        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == first.arg}
    return reached


def assigned_fields(node: ast.ClassDef) -> set[str]:
    """The fields a class's own methods assign (``self.x = ...``, ``self.x: T = ...``)."""
    fields = set()
    for n in ast.walk(node):
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
        for target in targets:
            for element in (target.elts if isinstance(target, ast.Tuple) else [target]):
                if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name) and element.value.id == "self":
                    fields.add(element.attr)
    return fields


def test_the_facade_composes_every_service_once_and_inherits_none():
    assert not any(issubclass(base, Service) for base in TaskRouterEngine.__mro__)
    from scenario import new_engine

    engine = new_engine()
    composed = sorted(type(part.service).__name__ for part in vars(engine).values() if isinstance(part, Door))
    assert composed == [c.__name__ for c in SERVICES]


@pytest.mark.parametrize("cls", engine_classes(), ids=lambda c: c.__name__)
def test_no_engine_class_has_more_than_one_rule_class_among_its_bases_or_more_than_60_methods(cls):
    rule_bases = [base for base in cls.__bases__ if issubclass(base, Service)]
    assert len(rule_bases) <= 1, f"{cls.__name__} inherits rules from {[b.__name__ for b in rule_bases]}"
    methods = [name for name, member in inspect.getmembers(cls, inspect.isfunction) if member.__qualname__.split(".")[0] != "object"]
    assert len(methods) <= MAX_METHODS, f"{cls.__name__} has {len(methods)} methods"


@pytest.mark.parametrize("cls", SERVICES, ids=lambda c: c.__name__)
def test_a_service_reaches_only_what_it_needs_and_owns_its_fields(cls):
    node = class_node(cls)
    methods = {n.name for n in node.body if isinstance(n, ast.FunctionDef)} | {"needs", "connect"}
    own = assigned_fields(node)
    reached = ({a.attr for a in self_attributes(node)} | reached_by_helpers(cls)) - methods
    assert reached <= set(cls.needs) | own, f"{cls.__name__} reaches {sorted(reached - set(cls.needs) - own)} without needing them"
    assert set(cls.needs) <= reached, f"{cls.__name__} needs {sorted(set(cls.needs) - reached)} and never uses them"
    assert not own & set(cls.needs), f"{cls.__name__} reassigns a part it was given: {sorted(own & set(cls.needs))}"
    assert all(field.startswith("_") for field in own), f"{cls.__name__}'s fields must be private to it: {sorted(own)}"


@pytest.mark.parametrize("cls", [*SERVICES, TaskRouterEngine], ids=lambda c: c.__name__)
def test_no_field_is_touched_outside_the_service_that_owns_it(cls):
    """``self.<part>._field`` reads or writes another part's state; ``self.<part>.x = ...`` changes it from outside."""
    node = class_node(cls)
    reaching = []
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute) and isinstance(n.value.value, ast.Name) \
                and n.value.value.id == "self" and n.attr.startswith("_") and not n.attr.startswith("__"):
            reaching.append(f"self.{n.value.attr}.{n.attr}")
        if isinstance(n, (ast.Assign, ast.AugAssign)):
            for target in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute) \
                        and isinstance(target.value.value, ast.Name) and target.value.value.id == "self" \
                        and target.value.attr not in ("store", "clock"):
                    reaching.append(f"self.{target.value.attr}.{target.attr} =")
    assert not reaching, f"{cls.__name__} touches another part's state: {sorted(set(reaching))}"


def test_every_method_the_engine_is_reached_by_from_outside_runs_under_its_lock():
    """Outside the engine (the API, the callbacks, the simulation, the server, the kit), ``engine.<part>.<method>``
    must be a marked write or read: the door gives those a transaction or the lock. An unmarked one would run
    bare, and what it called inside the engine would too (services reach each other without the door)."""
    import re

    engine = TaskRouterEngine(Store(), "AC" + "0" * 32, "token")
    root = Path(__file__).resolve().parent.parent / "trkit"
    reached = {(m.group(1), m.group(2), path.relative_to(root.parent).as_posix())
               for path in root.rglob("*.py") if "engine" not in path.relative_to(root).parts
               for m in re.finditer(r"engine\.([a-z_]+)\.([a-z_]+)\(", path.read_text())}
    assert len(reached) > 30
    bare = []
    for part, method, where in sorted(reached):
        door = getattr(engine, part, None)
        if isinstance(door, Door):
            function = getattr(type(door.service), method)
            if not (getattr(function, "__trkit_write__", False) or getattr(function, "__trkit_read__", False)):
                bare.append(f"{where}: engine.{part}.{method}")
    assert not bare, bare


def test_the_engines_own_reads_and_a_doors_reads_wait_for_the_lock():
    """Marked reads of the facade itself (``engine.field_of_each``) and of a service's door (``engine.lookups``) run under
    the engine's lock: while another thread holds it, they wait."""
    import threading

    engine = TaskRouterEngine(Store(), "AC" + "0" * 32, "token")
    ws = engine.configuration.create_workspace("Locked").sid
    answers: list = []
    readers = [threading.Thread(target=lambda: answers.append(engine.field_of_each(("workspace", ws, "friendly_name")))),
               threading.Thread(target=lambda: answers.append(engine.lookups.workspace(ws).friendly_name))]
    with engine.lock:
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(0.2)
        assert answers == []  # both wait for the lock
    for reader in readers:
        reader.join(5)
    assert sorted(map(str, answers)) == ["('Locked',)", "Locked"]


def test_records_leave_the_engine_as_copies_unless_it_is_told_not_to_copy():
    """A caller's record never changes under it (a copy, taken before routing ran); trkit.simulate, which reads
    nothing but SIDs of what it gets back, has the engine hand out its records as they are."""
    for copies in (True, False):
        engine = TaskRouterEngine(Store(writes=False), "AC" + "0" * 32, "token", copies=copies)
        ws = engine.configuration.create_workspace("Copies").sid
        worker = engine.workers.create_worker(ws, "Alice")
        stored = engine.store.get("worker", worker.sid)
        assert (worker is stored) is (not copies)
        assert (engine.lookups.worker(ws, worker.sid) is stored) is (not copies)
