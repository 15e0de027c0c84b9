"""A service receives exactly the parts it names, and says which ones the engine lacks."""

from __future__ import annotations

import pytest

from trkit.mock.engine.service import Service


class Greeter(Service):
    needs = ("clock", "store")


def test_a_service_is_given_the_parts_it_needs_and_no_others():
    greeter = Greeter()
    greeter.connect({"clock": "the clock", "store": "the store", "outbox": "the outbox"})
    assert (greeter.clock, greeter.store) == ("the clock", "the store") and not hasattr(greeter, "outbox")


def test_a_part_the_engine_does_not_have_is_named():
    with pytest.raises(TypeError) as missing:
        Greeter().connect({"outbox": "the outbox"})
    assert str(missing.value) == "Greeter needs clock, store, which the engine does not have"
