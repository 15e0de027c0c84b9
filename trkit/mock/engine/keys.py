"""API keys and the tokens signed with them: what lets the worker SDK in.

The twilio library creates a key with ``client.new_keys.create()`` (its secret is shown once) and mints
an ``AccessToken`` with a ``TaskRouterGrant``, signed with the key's secret (the SDK v2's token). The
quickstart's page uses a ``WorkerCapabilityToken`` instead, signed with the auth token (SDK v1). Both
are checked here: signature, expiry and start on the mock clock, account, workspace and worker.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import jwt

from .errors import AccessTokenExpired, InvalidAccessToken, NotFound
from .records import ApiKey
from .service import Service
from .transaction import read, write


@dataclass(frozen=True)
class WorkerGrant:
    """Who a token lets in: one worker of one workspace, until ``expires`` (epoch seconds)."""

    account_sid: str
    workspace_sid: str
    worker_sid: str
    expires: float
    sdk: str  # "v2" (AccessToken, TaskRouterGrant) or "v1" (WorkerCapabilityToken)
    policies: tuple = ()  # a v1 token's policies: ({"url", "method", "allow"}, ...)


def minted_at(claims: dict) -> float | None:
    """When the client minted a token, on its own clock: the twilio libraries end ``jti`` with it
    (``SK…-1700000000``); else the token's ``nbf``; None when it says neither."""
    stamp = str(claims.get("jti", "")).rpartition("-")[2]
    if stamp.isdigit():
        return float(stamp)
    nbf = claims.get("nbf")
    return float(nbf) if isinstance(nbf, (int, float)) else None


class Keys(Service):
    """The account's API keys, and the worker tokens signed with them."""

    needs = ("account_sid", "auth_token", "clock", "lookups", "store")

    @write
    def create_api_key(self, friendly_name: str | None = None) -> ApiKey:
        now = self.clock.now()
        key = ApiKey(sid=self.lookups.new_sid("SK"), account_sid=self.account_sid, friendly_name=friendly_name or "",
                     secret=secrets.token_urlsafe(24), date_created=now, date_updated=now)
        self.store.put(key)
        return key

    @read
    def api_key(self, sid: str) -> ApiKey:
        key = self.store.get("api_key", sid)
        if key is None:
            raise NotFound(path=f"/2010-04-01/Accounts/{self.account_sid}/Keys/{sid}.json")
        return key

    @read
    def list_api_keys(self) -> list[ApiKey]:
        return sorted(self.store.all("api_key"), key=lambda k: self.store.seq(k.sid))

    @write
    def update_api_key(self, sid: str, friendly_name: str | None = None) -> ApiKey:
        key = self.api_key(sid)
        if friendly_name is not None:
            key.friendly_name = friendly_name
            self.lookups.touch(key)
        return key

    @write
    def delete_api_key(self, sid: str) -> None:
        self.store.delete(self.api_key(sid))

    # ------------------------------------------------------------ tokens
    @read
    def verify_worker_token(self, token: str) -> WorkerGrant:
        """The worker a token lets in, or a 401 saying what is wrong with it."""
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken(f"The token is not a JWT: {exc}") from None
        if header.get("cty") == "twilio-fpa;v=1" or "grants" in claims:
            return self._access_token(token, header, claims)
        return self._capability_token(token, header, claims)

    def _access_token(self, token: str, header: dict, claims: dict) -> WorkerGrant:
        key = self.store.get("api_key", claims.get("iss"))
        if key is None:
            raise InvalidAccessToken(f"The token's issuer {claims.get('iss')!r} is not an API key of this account")
        self._check_signature(token, key.secret)
        if claims.get("sub") != self.account_sid:
            raise InvalidAccessToken(f"The token is for account {claims.get('sub')!r}, not {self.account_sid}")
        grant = (claims.get("grants") or {}).get("task_router") or {}
        return self._grant(claims, grant.get("workspace_sid"), grant.get("worker_sid"), "v2", ())

    def _capability_token(self, token: str, header: dict, claims: dict) -> WorkerGrant:
        self._check_signature(token, self.auth_token)
        for claim in ("account_sid", "iss"):  # a capability token is the account's own: it names it twice
            if claims.get(claim) != self.account_sid:
                raise InvalidAccessToken(f"The token's {claim} is {claims.get(claim)!r}, not this account {self.account_sid}")
        worker_sid = claims.get("worker_sid") or claims.get("channel")
        return self._grant(claims, claims.get("workspace_sid"), worker_sid, "v1", tuple(claims.get("policies") or ()))

    @staticmethod
    def _check_signature(token: str, secret: str) -> None:
        try:
            jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False,
                                                                     "verify_iat": False, "verify_aud": False})
        except jwt.InvalidSignatureError:
            raise InvalidAccessToken("The token's signature does not match its key: it was forged or signed with another secret") from None
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken(f"The token cannot be read: {exc}") from None

    def _grant(self, claims: dict, workspace_sid: str | None, worker_sid: str | None, sdk: str, policies: tuple) -> WorkerGrant:
        now = self.clock.now()  # the mock's clock: a token expires when the learner moves time past it
        # the client wrote the token's times on its own clock; the mock's ran ahead of it by the offset then
        shift = self.clock.offset_at(minted) if (minted := minted_at(claims)) is not None else 0.0
        expires = claims.get("exp")
        if not isinstance(expires, (int, float)) or expires + shift <= now:
            raise AccessTokenExpired("The token has expired (or has no expiry): mint a new one")
        expires += shift
        if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] + shift > now + 1:
            raise InvalidAccessToken("The token is not valid yet (its nbf is in the future)")
        worker = self.store.get("worker", worker_sid)
        if not workspace_sid or self.store.get("workspace", workspace_sid) is None:
            raise InvalidAccessToken(f"The token's workspace {workspace_sid!r} does not exist")
        if worker is None or worker.workspace_sid != workspace_sid:
            raise InvalidAccessToken(f"The token's worker {worker_sid!r} is not a worker of workspace {workspace_sid}")
        return WorkerGrant(self.account_sid, workspace_sid, worker_sid, float(expires), sdk, policies)
