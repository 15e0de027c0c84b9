"""Checks of what the learner sets up for Alice: her ``contact_uri`` (notebook 07) and her access token (08)."""

from __future__ import annotations

import json
import re
import time

import requests

from .evidence import Evidence, attributes_of
from .objectives import CheckResult, failed, passed

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
WORKER_GRANT = "task_router"  # the claim TaskRouterGrant writes (twilio.jwt.access_token.grants)
TOKEN_EXPIRED = 20104  # Twilio's "Access Token expired or expiration date invalid"
EXPIRED_FIX = "mint a new one (ttl is in seconds: 3600 is an hour)."


def contact_uri(evidence: Evidence) -> CheckResult:
    objective = "contact-uri"
    attributes = attributes_of(evidence.worker("Alice"))
    shown = json.dumps(attributes)
    close = [key for key in attributes if key.lower().replace("_", "") == "contacturi" and key != "contact_uri"]
    if close:
        return failed(objective, f"Alice's attributes are {shown}: TaskRouter looks for contact_uri, not {close[0]}.",
                      'spell the key "contact_uri".')
    uri = attributes.get("contact_uri")
    if not uri:
        return failed(objective, f"Alice's attributes are {shown}: no contact_uri, so a dequeue has nobody to ring (40131).",
                      'add "contact_uri": alice_phone to the attributes you write.')
    if not (E164.match(str(uri)) or str(uri).startswith(("client:", "sip:"))):
        return failed(objective, f"Alice's contact_uri is {uri!r}: TaskRouter cannot dial that (40131).",
                      "write the number in E.164, a + and digits only, like +14155550111.")
    if "es" not in (attributes.get("languages") or []):
        return failed(objective, f"Alice's attributes are {shown}: without \"es\" in languages the Spanish queue "
                                 '(languages HAS "es") no longer reaches her.',
                      "update replaces all of a worker's attributes: keep \"languages\": [\"en\", \"es\"] beside contact_uri.")
    return passed(objective, f"Alice's attributes are {shown}: she speaks Spanish and TaskRouter rings {uri}.")


def access_token(evidence: Evidence, token) -> CheckResult:
    import jwt

    objective = "access-token"
    if isinstance(token, bytes):
        token = token.decode()
    try:
        header = jwt.get_unverified_header(str(token))
        claims = jwt.decode(str(token), options={"verify_signature": False})
    except jwt.PyJWTError:
        return failed(objective, f"{type(token).__name__} {str(token)[:40]!r} is not a JWT.",
                      "pass the token's text: alice_token = token.to_jwt().")
    grant = (claims.get("grants") or {}).get(WORKER_GRANT)
    tutorial = evidence.tutorial
    if header.get("cty") != "twilio-fpa;v=1" or not str(claims.get("iss", "")).startswith("SK"):
        return failed(objective, f"the token's issuer is {claims.get('iss')!r}: an access token is signed with an API key.",
                      "AccessToken(kit.account_sid, key.sid, key.secret, identity=...).")
    if not grant:
        return failed(objective, f"the token carries the grants {sorted(claims.get('grants') or {})}: none for TaskRouter, "
                                 "so the worker SDK cannot connect.",
                      "token.add_grant(TaskRouterGrant(workspace_sid=..., worker_sid=..., role=\"worker\")).")
    if grant.get("workspace_sid") != tutorial.workspace_sid:
        return failed(objective, f"the grant's workspace_sid is {grant.get('workspace_sid')!r}.",
                      f"use tutorial.workspace_sid ({tutorial.workspace_sid}).")
    alice = tutorial.workers["Alice"]
    if grant.get("worker_sid") != alice:
        who = next((name for name, sid in tutorial.workers.items() if sid == grant.get("worker_sid")), None)
        said = f"{who}'s" if who else repr(grant.get("worker_sid"))
        return failed(objective, f"the grant's worker_sid is {said}: the page would be {who or 'nobody'}'s, not Alice's.",
                      f"use tutorial.workers[\"Alice\"] ({alice}).")
    if grant.get("role") != "worker":
        return failed(objective, f"the grant's role is {grant.get('role')!r}.", 'an agent page\'s token has role="worker".')
    # real Twilio's clock is the wall's; the mock's event bridge says itself, on its own clock
    if evidence.kit.mode != "mock" and (not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time()):
        return failed(objective, "the token has expired.", EXPIRED_FIX)
    refused = _refused_by_bridge(evidence, str(token), alice)
    if refused:
        message, code = refused
        fix = EXPIRED_FIX if code == TOKEN_EXPIRED else "sign with the API key's secret: AccessToken(kit.account_sid, key.sid, key.secret, ...)."
        return failed(objective, f"the event bridge refuses the token: {message}.", fix)
    checked = "the mock's event bridge accepts it" if evidence.kit.mode == "mock" else "its signature is Twilio's to check"
    return passed(objective, f"an access token signed by an API key, granting worker Alice ({alice}) in the tutorial "
                             f"workspace, not expired; {checked}.")


def _refused_by_bridge(evidence: Evidence, token: str, worker_sid: str) -> tuple[str, int | None] | None:
    """On the mock, ask its event bridge what the worker SDK would get; real Twilio's bridge is not asked."""
    if evidence.kit.mode != "mock":
        return None
    session = requests.Session()
    session.trust_env = False
    url = f"https://taskrouter.twilio.com/v1/Workspaces/{evidence.tutorial.workspace_sid}/Workers/{worker_sid}"
    answer = session.post(evidence.kit.mock_url + "/v1/wschannels", data=json.dumps({"token": token, "method": "GET", "url": url}),
                          timeout=10)
    if answer.status_code == 200:
        return None
    body = answer.json()
    return body.get("message", f"HTTP {answer.status_code}"), body.get("code")
