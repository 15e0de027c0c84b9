"""Activities of a workspace."""

from __future__ import annotations

from flask import Blueprint, request

from .common import args, deleted, engine, form, one, page

bp = Blueprint("activities", __name__)


@bp.route("/v1/Workspaces/<ws>/Activities", methods=["GET", "POST"])
def activities(ws: str):
    if request.method == "GET":
        a = args()
        return page(engine.configuration.list_activities(ws, a.str("FriendlyName"), a.bool("Available", lenient=True)), "activities")
    f = form()
    available = f.bool("Available", lenient=True)
    return one(engine.configuration.create_activity(ws, f.str("FriendlyName", required=True), bool(available)), 201)


@bp.route("/v1/Workspaces/<ws>/Activities/<sid>", methods=["GET", "POST", "DELETE"])
def activity(ws: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.activity(ws, sid))
    if request.method == "DELETE":
        engine.configuration.delete_activity(ws, sid)
        return deleted()
    return one(engine.configuration.update_activity(ws, sid, form().str("FriendlyName")))
