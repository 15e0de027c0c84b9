"""Task channels of a workspace."""

from __future__ import annotations

from flask import Blueprint, request

from .common import deleted, engine, form, one, page

bp = Blueprint("task_channels", __name__)


@bp.route("/v1/Workspaces/<ws>/TaskChannels", methods=["GET", "POST"])
def task_channels(ws: str):
    if request.method == "GET":
        return page(engine.configuration.list_task_channels(ws), "channels")
    f = form()
    return one(engine.configuration.create_task_channel(
        ws, f.str("FriendlyName", required=True), f.str("UniqueName", required=True), f.bool("ChannelOptimizedRouting"),
    ), 201)


@bp.route("/v1/Workspaces/<ws>/TaskChannels/<sid>", methods=["GET", "POST", "DELETE"])
def task_channel(ws: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.task_channel(ws, sid))
    if request.method == "DELETE":
        engine.configuration.delete_task_channel(ws, sid)
        return deleted()
    f = form()
    return one(engine.configuration.update_task_channel(ws, sid, f.str("FriendlyName"), f.bool("ChannelOptimizedRouting")))
