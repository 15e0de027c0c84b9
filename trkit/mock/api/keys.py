"""The account's API keys (2010-04-01 ``Keys``): what the learner creates with ``client.new_keys.create()``
to sign the worker SDK's access token. The secret is shown once, at creation, as on Twilio."""

from __future__ import annotations

from flask import Blueprint, request

from .common import args, deleted, engine, form, json_response, own_account, renderer

bp = Blueprint("keys", __name__)
ROOT = "/2010-04-01/Accounts/<account>"


@bp.route(f"{ROOT}/Keys.json", methods=["GET", "POST"])
def keys(account: str):
    own_account(account)
    if request.method == "POST":
        key = engine.keys.create_api_key(form().str("FriendlyName"))
        return json_response({**renderer().render(key), "secret": key.secret}, 201)
    a = args()
    size = a.int("PageSize", 1, 1000) or 50
    a.int("Page", 0, 10**9)
    items = [renderer().render(k) for k in engine.keys.list_api_keys()[:size]]
    return json_response({"keys": items, "page": 0, "page_size": size, "start": 0, "end": max(len(items) - 1, 0),
                          "uri": request.full_path, "first_page_uri": request.full_path, "previous_page_uri": None,
                          "next_page_uri": None})


@bp.route(f"{ROOT}/Keys/<sid>.json", methods=["GET", "POST", "DELETE"])
def key(account: str, sid: str):
    own_account(account)
    if request.method == "GET":
        return json_response(renderer().render(engine.keys.api_key(sid)))
    if request.method == "DELETE":
        engine.keys.delete_api_key(sid)
        return deleted()
    return json_response(renderer().render(engine.keys.update_api_key(sid, form().str("FriendlyName"))))
