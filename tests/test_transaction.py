"""What a transaction hands on: callbacks posted while it runs leave together once, each named as the
request of Twilio's it stands for (the names docs/coverage.md lists requests by)."""

from __future__ import annotations

import pytest

from trkit.mock.engine.transaction import NullDispatcher, Outbound, Outbox


def outbound(kind: str, **options: str) -> Outbound:
    return Outbound(kind, "https://example.com/hook", {}, "WS1", **options)


@pytest.mark.parametrize(("kind", "purpose"), [("assignment", "assignment"), ("event", "event"), ("voice", "voice-url"),
                                              ("voice-status", "status-callback")])
def test_a_callback_is_named_by_its_kind_unless_it_says_which_request_it_is(kind, purpose):
    assert outbound(kind).purpose == purpose
    assert outbound(kind, purpose="gather-action").purpose == "gather-action"


def test_a_kind_of_callback_the_mock_does_not_send_is_refused():
    with pytest.raises(KeyError):
        outbound("fax")


def test_the_outbox_hands_over_what_was_posted_once_in_order():
    outbox = Outbox()
    first, second = outbound("event"), outbound("assignment")
    outbox.post(first)
    outbox.post(second)
    assert outbox.take() == [first, second] and outbox.take() == []


def test_without_http_callbacks_are_kept_as_sent():
    dispatcher = NullDispatcher()
    items = [outbound("event")]
    assert dispatcher.submit(items, engine=None) == [] and dispatcher.sent == items
