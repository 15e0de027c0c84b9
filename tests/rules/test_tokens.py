"""API keys and the worker SDK's tokens, at the rules' level (no server): the twilio library mints the
tokens, the engine checks them on its own clock. Refusals carry Twilio's codes: 20101 (invalid access
token), 20104 (access token expired)."""

from __future__ import annotations

import math
import time

import jwt
import pytest
from scenario import ACCOUNT, Scenario, new_engine
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import TaskRouterGrant
from twilio.jwt.taskrouter.capabilities import WorkerCapabilityToken

from trkit.mock.engine.errors import TaskRouterError


@pytest.fixture
def desk():
    # the library stamps tokens with the wall clock: the engine's (frozen) clock starts at the same second
    scene = Scenario(engine=new_engine(start=math.floor(time.time())))
    scene.worker("Alice", languages=["es"])
    return scene


def access_token(desk, key, secret=None, account=ACCOUNT, worker="Alice", workspace=None, ttl=3600, nbf=None) -> str:
    token = AccessToken(account, key.sid, secret or key.secret, identity="alice", ttl=ttl, nbf=nbf)
    token.add_grant(TaskRouterGrant(workspace_sid=workspace or desk.ws, worker_sid=desk.workers.get(worker, worker), role="worker"))
    return token.to_jwt()


def expiry(token: str) -> int:
    return jwt.decode(token, options={"verify_signature": False})["exp"]


def refusal(desk, token: str) -> TaskRouterError:
    with pytest.raises(TaskRouterError) as caught:
        desk.verify_worker_token(token)
    assert caught.value.status == 401
    return caught.value


def test_an_access_token_signed_with_an_api_keys_secret_lets_its_worker_in(desk):
    key = desk.create_api_key("Alice's page")
    token = access_token(desk, key, ttl=600)
    grant = desk.verify_worker_token(token)
    assert (grant.account_sid, grant.workspace_sid, grant.worker_sid, grant.sdk) == (ACCOUNT, desk.ws, desk.workers["Alice"], "v2")
    assert grant.expires == expiry(token)


def test_a_token_signed_with_another_secret_is_refused_as_forged(desk):
    key = desk.create_api_key()
    error = refusal(desk, access_token(desk, key, secret="x" * 40))
    assert error.code == 20101 and "signature" in error.message


def test_a_token_whose_key_is_unknown_or_deleted_is_refused(desk):
    key = desk.create_api_key()
    token = access_token(desk, key)
    desk.delete_api_key(key.sid)
    error = refusal(desk, token)
    assert error.code == 20101 and key.sid in error.message and "issuer" in error.message


def test_a_token_for_another_account_is_refused(desk):
    key = desk.create_api_key()
    error = refusal(desk, access_token(desk, key, account="AC" + "9" * 32))
    assert error.code == 20101 and "AC999" in error.message


def test_a_token_expires_on_the_mocks_clock(desk):
    key = desk.create_api_key()
    token = access_token(desk, key, ttl=30)
    desk.advance(expiry(token) - desk.now() - 1)  # a second before it expires
    assert desk.verify_worker_token(token).worker_sid == desk.workers["Alice"]
    desk.advance(1)  # exp is the first second it is no longer valid
    error = refusal(desk, token)
    assert error.code == 20104 and "expired" in error.message


def test_a_token_not_valid_yet_is_refused(desk):
    key = desk.create_api_key()
    now = math.floor(desk.now())
    error = refusal(desk, access_token(desk, key, nbf=now + 120))
    assert error.code == 20101 and "not valid yet" in error.message
    assert desk.verify_worker_token(access_token(desk, key, nbf=now)).sdk == "v2"


def test_the_grant_must_name_a_workspace_and_one_of_its_workers(desk):
    key = desk.create_api_key()
    assert "workspace 'WS" in refusal(desk, access_token(desk, key, workspace="WS" + "0" * 32)).message
    assert "is not a worker of workspace" in refusal(desk, access_token(desk, key, worker="WK" + "0" * 32)).message
    other = desk.engine.configuration.create_workspace("Elsewhere").sid
    assert "is not a worker of workspace" in refusal(desk, access_token(desk, key, workspace=other)).message


def test_something_that_is_not_a_jwt_is_refused_saying_so(desk):
    error = refusal(desk, "not-a-token")
    assert error.code == 20101 and "not a JWT" in error.message


def test_the_quickstarts_capability_token_is_signed_with_the_auth_token(desk):
    token = WorkerCapabilityToken(ACCOUNT, "token", desk.ws, desk.workers["Alice"], ttl=3600)
    token.allow_update_activities()
    grant = desk.verify_worker_token(token.to_jwt())
    assert (grant.worker_sid, grant.sdk) == (desk.workers["Alice"], "v1")
    assert {"url", "method", "allow"} <= set(grant.policies[0]) and len(grant.policies) >= 2
    forged = WorkerCapabilityToken(ACCOUNT, "not the auth token", desk.ws, desk.workers["Alice"]).to_jwt()
    assert "signature" in refusal(desk, forged).message


def test_keys_are_listed_in_creation_order_renamed_and_deleted(desk):
    first, second = desk.create_api_key("one"), desk.create_api_key("two")
    assert first.sid.startswith("SK") and len(first.sid) == 34 and first.secret != second.secret
    assert [k.friendly_name for k in desk.list_api_keys()] == ["one", "two"]
    assert desk.update_api_key(first.sid, friendly_name="renamed").friendly_name == "renamed"
    desk.delete_api_key(first.sid)
    assert [k.sid for k in desk.list_api_keys()] == [second.sid]
    with pytest.raises(TaskRouterError) as caught:
        desk.api_key(first.sid)
    assert (caught.value.status, caught.value.code) == (404, 20404)


def _minted_on_the_clients_clock(desk, key, minted: int | None, ttl: int, nbf: int | None = None, exp: int | None = None) -> str:
    """A token as the twilio library mints one at client time ``minted`` (its jti ends with that time, nbf is
    that time unless given); ``minted=None``: a token that says neither when it was minted nor its nbf."""
    claims = {"iss": key.sid, "sub": ACCOUNT, "exp": exp if exp is not None else minted + ttl,
              "grants": {"identity": "alice", "task_router": {"workspace_sid": desk.ws, "worker_sid": desk.workers["Alice"],
                                                              "role": "worker"}}}
    if minted is not None:
        claims.update(jti=f"{key.sid}-{minted}", nbf=nbf if nbf is not None else minted)
    return jwt.encode(claims, key.secret, algorithm="HS256", headers={"cty": "twilio-fpa;v=1"})


def test_a_token_minted_after_the_clock_ran_ahead_lives_its_whole_ttl_on_the_mocks_clock(desk):
    """Clients stamp tokens with their own clock, which does not follow the mock's advances (a busy hour moved
    the mock an hour ahead): a token's times count from the offset in force when it was minted, so a fresh
    token is not born expired, and moving time past its ttl still expires it."""
    key = desk.create_api_key()
    start = math.floor(desk.engine.clock.base())
    desk.advance(3600)
    token = _minted_on_the_clients_clock(desk, key, start + 1, ttl=60)  # a second after the advance, on the client's clock
    grant = desk.verify_worker_token(token)
    assert grant.worker_sid == desk.workers["Alice"]
    assert grant.expires == start + 1 + 60 + 3600  # on the mock's clock: what the event bridge counts the lifetime from
    early = _minted_on_the_clients_clock(desk, key, start + 1, ttl=60, nbf=start + 3)  # its nbf two seconds on
    assert "not valid yet" in refusal(desk, early).message
    desk.engine.clock.current += 5  # the client's wall clock moves on (the frozen clock stands for it)
    desk.advance(55)  # now start + 3,660: the token's last valid second (minted at start + 1 + 3,600 on the mock's clock)
    assert desk.verify_worker_token(token).sdk == "v2"
    desk.advance(1)
    assert refusal(desk, token).code == 20104


def test_a_token_minted_before_an_advance_expires_with_it(desk):
    key = desk.create_api_key()
    start = math.floor(desk.engine.clock.base())
    token = _minted_on_the_clients_clock(desk, key, start - 10, ttl=3600)
    desk.advance(3590)
    assert refusal(desk, token).code == 20104


def test_the_clock_remembers_a_days_advances_and_the_offset_in_force_before_them():
    from scenario import FrozenClock

    clock = FrozenClock(start=1000.0)
    clock.jump_to(clock.now() + 10)  # during second 1000: from 1001 on the offset is 10
    clock.jump_to(clock.now() + 5)  # the same second: one entry
    assert clock.history == [(1001, 15.0)] and clock.offset_at(1000) == 0 and clock.offset_at(1001) == 15
    clock.current += 100
    clock.jump_to(clock.now() + 5)
    clock.current += 86_400 + 2  # a day later, the first entry is older than a day; the second is the offset since
    clock.jump_to(clock.now() + 5)
    assert clock.history == [(1101, 20.0), (87503, 25.0)]
    assert clock.offset_at(1200) == 20 and clock.offset_at(87503) == 25
    clock.jump_to(clock.now())  # not forward: nothing to remember
    assert clock.history == [(1101, 20.0), (87503, 25.0)]


def test_an_advance_exactly_a_day_old_is_still_remembered():
    from scenario import FrozenClock

    clock = FrozenClock(start=1000.0)
    clock.jump_to(clock.now() + 10)  # key 1001
    clock.current = 1100.0
    clock.jump_to(clock.now() + 10)  # key 1101
    clock.current = 1101.0 + 86_400  # the second entry is exactly a day old: not older, so the first still holds
    clock.jump_to(clock.now() + 10)
    assert [when for when, _ in clock.history] == [1001, 1101, 87502]


def test_a_token_that_says_not_when_it_was_minted_is_read_on_the_mocks_clock_as_it_stands(desk):
    """No jti time and no nbf: nothing to shift by, so its exp is read as it is, after an advance too."""
    key = desk.create_api_key()
    desk.advance(3600)
    now = math.floor(desk.now())
    token = _minted_on_the_clients_clock(desk, key, None, ttl=0, exp=now + 2)
    assert desk.verify_worker_token(token).expires == now + 2
    desk.advance(2)
    assert refusal(desk, token).code == 20104


def test_when_a_token_was_minted_is_the_time_its_jti_ends_with_else_its_nbf():
    from trkit.mock.engine.keys import minted_at

    assert minted_at({"jti": "SK0123-1700000000", "nbf": 1700000005}) == 1700000000  # the jti's time first
    assert minted_at({"jti": "SKab-cd-1700000000"}) == 1700000000  # after the last hyphen
    assert minted_at({"jti": "SK0123", "nbf": 1700000005}) == 1700000005
    assert minted_at({"nbf": 1700000005.0}) == 1700000005
    assert minted_at({"jti": "SK0123-soon", "nbf": "1700000005"}) is None  # neither says a time


def test_a_clock_restored_from_its_state_keeps_its_advances_and_reads_an_older_state_leniently():
    from trkit.mock.engine.facade import stored_clock

    restored = stored_clock({"clock_offset": "30.0", "clock_history": "[[1001, 10.0], [2001, 30.0]]"})
    assert restored.offset == 30 and restored.history == [(1001, 10.0), (2001, 30.0)]
    assert (restored.offset_at(1000), restored.offset_at(1500), restored.offset_at(2001)) == (0, 10, 30)
    before_history = stored_clock({"clock_offset": "30.0"})  # written before the clock remembered its advances
    assert before_history.offset_at(5) == 30 and before_history.offset_at(10**10) == 30
    assert stored_clock({}).offset == 0 and stored_clock({}).history == []


def capability_claims(desk, **changes) -> dict:
    """The claims of a worker capability token as twilio-python writes them (twilio.jwt.taskrouter)."""
    now = math.floor(desk.now())
    return {"iss": ACCOUNT, "account_sid": ACCOUNT, "workspace_sid": desk.ws, "channel": desk.workers["Alice"],
            "worker_sid": desk.workers["Alice"], "version": "v1", "friendly_name": desk.workers["Alice"], "policies": [],
            "exp": now + 3600, **changes}


@pytest.mark.parametrize("claim", ["account_sid", "iss"])
def test_a_capability_token_must_name_this_account_as_its_account_and_its_issuer(desk, claim):
    other = "AC" + "9" * 32
    error = refusal(desk, jwt.encode(capability_claims(desk, **{claim: other}), "token", algorithm="HS256"))
    assert (error.code, error.message) == (20101, f"The token's {claim} is '{other}', not this account {ACCOUNT}")


def test_a_capability_token_without_worker_sid_names_its_worker_by_its_channel(desk):
    claims = capability_claims(desk)
    del claims["worker_sid"]
    assert desk.verify_worker_token(jwt.encode(claims, "token", algorithm="HS256")).worker_sid == desk.workers["Alice"]


def test_a_token_stamped_ahead_of_the_mocks_clock_is_read_on_the_mocks_clock(desk):
    # the client's clock is not the mock's (the learner moves the mock's): iat is not checked against either
    token = jwt.encode(capability_claims(desk, iat=math.floor(desk.now()) + 600), "token", algorithm="HS256")
    assert desk.verify_worker_token(token).sdk == "v1"


@pytest.mark.parametrize(("token", "message"), [
    (lambda desk: jwt.encode(capability_claims(desk), "not the auth token", algorithm="HS256"),
     "The token's signature does not match its key: it was forged or signed with another secret"),
    (lambda desk: jwt.encode(capability_claims(desk), "token", algorithm="HS512"), "The token cannot be read: The specified alg value is not allowed"),
    (lambda desk: jwt.encode(capability_claims(desk, exp=None), "token", algorithm="HS256"),
     "The token has expired (or has no expiry): mint a new one"),
    (lambda desk: jwt.encode(capability_claims(desk, nbf=math.floor(desk.now()) + 2), "token", algorithm="HS256"),
     "The token is not valid yet (its nbf is in the future)"),
])
def test_each_refusal_says_what_is_wrong_with_the_token(desk, token, message):
    assert refusal(desk, token(desk)).message == message


def test_a_token_valid_from_the_next_second_is_taken_now(desk):
    # a second's grace for clocks that differ by less than one
    assert desk.verify_worker_token(jwt.encode(capability_claims(desk, nbf=math.floor(desk.now()) + 1), "token",
                                               algorithm="HS256")).sdk == "v1"
