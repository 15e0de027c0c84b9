"""Resources rendered as TaskRouter's JSON, with the mock's own base URL.

Field sets and ``links`` keys follow the OpenAPI spec's schemas and examples. Records come
from the engine as copies; related names are looked up through the engine, under its lock.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

from ..engine import TaskRouterEngine, paths
from ..engine.checks import formatted_number
from ..engine.clock import iso


def _rfc2822(epoch: float | None) -> str | None:
    return None if epoch is None else formatdate(epoch, usegmt=False).replace("-0000", "+0000")


class Renderer:
    def __init__(self, engine: TaskRouterEngine, base_url: str) -> None:
        self.engine = engine
        self.base = base_url.rstrip("/")

    def url(self, path: str) -> str:
        return self.base + path

    def render(self, obj: Any, **context: Any) -> dict:
        return getattr(self, obj.KIND)(obj, **context)

    # ------------------------------------------------------------------ each
    def workspace(self, ws) -> dict:
        root = self.url(f"/v1/Workspaces/{ws.sid}")
        default_name, timeout_name = self.engine.field_of_each(("activity", ws.default_activity_sid, "friendly_name"),
                                                               ("activity", ws.timeout_activity_sid, "friendly_name"))
        return {
            "account_sid": self.engine.account_sid,
            "date_created": iso(ws.date_created),
            "date_updated": iso(ws.date_updated),
            "default_activity_name": default_name,
            "default_activity_sid": ws.default_activity_sid,
            "event_callback_url": ws.event_callback_url or None,  # unset or cleared: null (the spec types it uri or null)
            "events_filter": ws.events_filter,
            "friendly_name": ws.friendly_name,
            "multi_task_enabled": ws.multi_task_enabled,
            "sid": ws.sid,
            "timeout_activity_name": timeout_name,
            "timeout_activity_sid": ws.timeout_activity_sid,
            "prioritize_queue_order": ws.prioritize_queue_order,
            "url": root,
            "links": {
                "activities": root + "/Activities",
                "statistics": root + "/Statistics",
                "real_time_statistics": root + "/RealTimeStatistics",
                "cumulative_statistics": root + "/CumulativeStatistics",
                "task_queues": root + "/TaskQueues",
                "tasks": root + "/Tasks",
                "workers": root + "/Workers",
                "workflows": root + "/Workflows",
                "task_channels": root + "/TaskChannels",
                "events": root + "/Events",
            },
        }

    def activity(self, activity) -> dict:
        return {
            "account_sid": self.engine.account_sid,
            "available": activity.available,
            "date_created": iso(activity.date_created),
            "date_updated": iso(activity.date_updated),
            "friendly_name": activity.friendly_name,
            "sid": activity.sid,
            "workspace_sid": activity.workspace_sid,
            "url": self.url(paths.path_of("activity", activity.workspace_sid, activity.sid)),
            "links": {"workspace": self.url(f"/v1/Workspaces/{activity.workspace_sid}")},
        }

    def task_channel(self, channel) -> dict:
        return {
            "account_sid": self.engine.account_sid,
            "date_created": iso(channel.date_created),
            "date_updated": iso(channel.date_updated),
            "friendly_name": channel.friendly_name,
            "sid": channel.sid,
            "unique_name": channel.unique_name,
            "workspace_sid": channel.workspace_sid,
            "channel_optimized_routing": channel.channel_optimized_routing,
            "url": self.url(paths.path_of("task_channel", channel.workspace_sid, channel.sid)),
            "links": {"workspace": self.url(f"/v1/Workspaces/{channel.workspace_sid}")},
        }

    def worker(self, worker) -> dict:
        ws_root = self.url(f"/v1/Workspaces/{worker.workspace_sid}")
        root = self.url(paths.path_of("worker", worker.workspace_sid, worker.sid))
        activity_name, available = self.engine.field_of_each(("activity", worker.activity_sid, "friendly_name"),
                                                             ("activity", worker.activity_sid, "available"))
        return {
            "account_sid": self.engine.account_sid,
            "activity_name": activity_name,
            "activity_sid": worker.activity_sid,
            "attributes": worker.attributes,
            "available": bool(available),
            "date_created": iso(worker.date_created),
            "date_status_changed": iso(worker.date_status_changed),
            "date_updated": iso(worker.date_updated),
            "friendly_name": worker.friendly_name,
            "sid": worker.sid,
            "workspace_sid": worker.workspace_sid,
            "url": root,
            "links": {
                "channels": root + "/Channels",
                "activity": ws_root + f"/Activities/{worker.activity_sid}",
                "workspace": ws_root,
                "statistics": ws_root + "/Workers/Statistics",
                "real_time_statistics": ws_root + "/Workers/RealTimeStatistics",
                "cumulative_statistics": ws_root + "/Workers/CumulativeStatistics",
                "worker_statistics": root + "/Statistics",
                "worker_channels": root + "/Channels",
                "reservations": root + "/Reservations",
            },
        }

    def worker_channel(self, wc) -> dict:
        assigned = self.engine.channel_load(wc.worker_sid, wc.task_channel_sid)
        (channel_name,) = self.engine.field_of_each(("task_channel", wc.task_channel_sid, "unique_name"))
        capacity = wc.configured_capacity
        percentage = round(100 * (capacity - assigned) / capacity) if capacity else 0
        return {
            "account_sid": self.engine.account_sid,
            "assigned_tasks": assigned,
            "available": wc.available,
            "available_capacity_percentage": max(percentage, 0),
            "configured_capacity": capacity,
            "date_created": iso(wc.date_created),
            "date_updated": iso(wc.date_updated),
            "sid": wc.sid,
            "task_channel_sid": wc.task_channel_sid,
            "task_channel_unique_name": channel_name,
            "worker_sid": wc.worker_sid,
            "workspace_sid": wc.workspace_sid,
            "url": self.url(paths.worker_channel_path(wc.workspace_sid, wc.worker_sid, wc.sid)),
        }

    def task_queue(self, queue) -> dict:
        ws_root = self.url(f"/v1/Workspaces/{queue.workspace_sid}")
        root = self.url(paths.path_of("task_queue", queue.workspace_sid, queue.sid))
        assignment_name, reservation_name = self.engine.field_of_each(
            ("activity", queue.assignment_activity_sid, "friendly_name"), ("activity", queue.reservation_activity_sid, "friendly_name"))
        return {
            "account_sid": self.engine.account_sid,
            "assignment_activity_sid": queue.assignment_activity_sid,
            "assignment_activity_name": assignment_name,
            "date_created": iso(queue.date_created),
            "date_updated": iso(queue.date_updated),
            "friendly_name": queue.friendly_name,
            "max_reserved_workers": queue.max_reserved_workers,
            "reservation_activity_sid": queue.reservation_activity_sid,
            "reservation_activity_name": reservation_name,
            "sid": queue.sid,
            "target_workers": queue.target_workers,
            "task_order": queue.task_order,
            "url": root,
            "workspace_sid": queue.workspace_sid,
            "links": {
                "assignment_activity": ws_root + f"/Activities/{queue.assignment_activity_sid}" if queue.assignment_activity_sid else None,
                "reservation_activity": ws_root + f"/Activities/{queue.reservation_activity_sid}" if queue.reservation_activity_sid else None,
                "workspace": ws_root,
                "statistics": root + "/Statistics",
                "real_time_statistics": root + "/RealTimeStatistics",
                "cumulative_statistics": root + "/CumulativeStatistics",
                "list_statistics": ws_root + "/TaskQueues/Statistics",
                "bulk_real_time_statistics": ws_root + "/TaskQueues/RealTimeStatistics",
            },
        }

    def workflow(self, workflow) -> dict:
        root = self.url(paths.path_of("workflow", workflow.workspace_sid, workflow.sid))
        return {
            "account_sid": self.engine.account_sid,
            "assignment_callback_url": workflow.assignment_callback_url or None,
            "configuration": workflow.configuration,
            "date_created": iso(workflow.date_created),
            "date_updated": iso(workflow.date_updated),
            "document_content_type": "application/json",
            "fallback_assignment_callback_url": workflow.fallback_assignment_callback_url or None,
            "friendly_name": workflow.friendly_name,
            "sid": workflow.sid,
            "task_reservation_timeout": workflow.task_reservation_timeout,
            "workspace_sid": workflow.workspace_sid,
            "url": root,
            "links": {
                "statistics": root + "/Statistics",
                "real_time_statistics": root + "/RealTimeStatistics",
                "cumulative_statistics": root + "/CumulativeStatistics",
            },
        }

    def task(self, task) -> dict:
        ws_root = self.url(f"/v1/Workspaces/{task.workspace_sid}")
        root = self.url(paths.path_of("task", task.workspace_sid, task.sid))
        queue_name, workflow_name, channel_name = self.engine.field_of_each(
            ("task_queue", task.task_queue_sid, "friendly_name"), ("workflow", task.workflow_sid, "friendly_name"),
            ("task_channel", task.task_channel_sid, "unique_name"))
        return {
            "account_sid": self.engine.account_sid,
            "age": int(self.engine.now() - task.date_created),
            "assignment_status": task.assignment_status,
            "attributes": task.attributes,
            "addons": task.addons,
            "date_created": iso(task.date_created),
            "date_updated": iso(task.date_updated),
            "task_queue_entered_date": iso(task.task_queue_entered_date),
            "priority": task.priority,
            "reason": task.reason,
            "sid": task.sid,
            "task_queue_sid": task.task_queue_sid,
            "task_queue_friendly_name": queue_name,
            "task_channel_sid": task.task_channel_sid,
            "task_channel_unique_name": channel_name,
            "timeout": task.timeout,
            "workflow_sid": task.workflow_sid,
            "workflow_friendly_name": workflow_name,
            "workspace_sid": task.workspace_sid,
            "url": root,
            "links": {
                "task_queue": ws_root + f"/TaskQueues/{task.task_queue_sid}" if task.task_queue_sid else None,
                "workflow": ws_root + f"/Workflows/{task.workflow_sid}" if task.workflow_sid else None,
                "workspace": ws_root,
                "reservations": root + "/Reservations",
            },
            "virtual_start_time": iso(task.virtual_start_time),
            "ignore_capacity": task.ignore_capacity,
            "routing_target": task.routing_target,
        }

    def reservation(self, res, via_worker: bool = False) -> dict:
        ws_root = self.url(f"/v1/Workspaces/{res.workspace_sid}")
        if via_worker:
            url = self.url(paths.worker_reservation_path(res.workspace_sid, res.worker_sid, res.sid))
        else:
            url = self.url(paths.task_reservation_path(res.workspace_sid, res.task_sid, res.sid))
        return {
            "account_sid": self.engine.account_sid,
            "date_created": iso(res.date_created),
            "date_updated": iso(res.date_updated),
            "reservation_status": res.reservation_status,
            "sid": res.sid,
            "task_sid": res.task_sid,
            "worker_name": res.worker_name,
            "worker_sid": res.worker_sid,
            "workspace_sid": res.workspace_sid,
            "url": url,
            "links": {
                "task": ws_root + f"/Tasks/{res.task_sid}",
                "worker": ws_root + f"/Workers/{res.worker_sid}",
                "workspace": ws_root,
            },
        }

    def event(self, event) -> dict:
        return {
            "account_sid": self.engine.account_sid,
            "actor_sid": event.actor_sid,
            "actor_type": event.actor_type,
            "actor_url": self.url(event.actor_url_path) if event.actor_url_path else None,
            "description": event.description,
            "event_data": event.event_data,
            "event_date": iso(event.event_date),
            "event_date_ms": int(event.event_date * 1000),
            "event_type": event.event_type,
            "resource_sid": event.resource_sid,
            "resource_type": event.resource_type,
            "resource_url": self.url(event.resource_url_path) if event.resource_url_path else None,
            "sid": event.sid,
            "source": "twilio",
            "source_ip_address": event.source_ip_address,
            "url": self.url(paths.path_of("event", event.workspace_sid, event.sid)),
            "workspace_sid": event.workspace_sid,
        }

    # ------------------------------------------------------------------ Voice (2010-04-01): relative URIs, RFC 2822 dates
    def phone_number(self, n) -> dict:
        uri = f"/2010-04-01/Accounts/{n.account_sid}/IncomingPhoneNumbers/{n.sid}.json"
        return {
            "account_sid": n.account_sid, "address_sid": None, "address_requirements": "none", "api_version": "2010-04-01",
            "beta": False, "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
            "date_created": _rfc2822(n.date_created), "date_updated": _rfc2822(n.date_updated), "friendly_name": n.friendly_name,
            "identity_sid": None, "phone_number": n.phone_number, "origin": "twilio", "sid": n.sid,
            "sms_application_sid": None, "sms_fallback_method": n.sms_fallback_method, "sms_fallback_url": n.sms_fallback_url,
            "sms_method": n.sms_method, "sms_url": n.sms_url, "status_callback": n.status_callback,
            "status_callback_method": n.status_callback_method, "trunk_sid": None, "uri": uri, "voice_receive_mode": "voice",
            "voice_application_sid": None, "voice_caller_id_lookup": n.voice_caller_id_lookup,
            "voice_fallback_method": n.voice_fallback_method, "voice_fallback_url": n.voice_fallback_url,
            "voice_method": n.voice_method, "voice_url": n.voice_url, "emergency_status": "Inactive",
            "emergency_address_sid": None, "emergency_address_status": "unregistered", "bundle_sid": None, "status": "in-use",
            "type": "local", "subresource_uris": {},  # add-ons are not emulated: no link that answers 404
        }


    def call(self, c) -> dict:
        uri = f"/2010-04-01/Accounts/{c.account_sid}/Calls/{c.sid}.json"
        duration = str(int(c.end_time - c.start_time)) if c.end_time and c.start_time else None
        return {
            "sid": c.sid, "date_created": _rfc2822(c.date_created), "date_updated": _rfc2822(c.date_updated),
            "parent_call_sid": c.parent_call_sid, "account_sid": c.account_sid, "to": c.to, "to_formatted": formatted_number(c.to),
            "from": c.from_, "from_formatted": formatted_number(c.from_), "phone_number_sid": c.phone_number_sid, "status": c.status,
            "start_time": _rfc2822(c.start_time), "end_time": _rfc2822(c.end_time), "duration": duration, "price": None,
            "price_unit": "USD", "direction": c.direction, "answered_by": None, "api_version": "2010-04-01",
            "forwarded_from": None, "group_sid": None, "caller_name": None, "queue_time": "0", "trunk_sid": None, "uri": uri,
            # only links the mock answers: it keeps no notifications, recordings, payments, events or streams of a
            # call, and a link that answers 404 would tell a client they exist and are lost
            "subresource_uris": {},
        }

    def conference(self, c) -> dict:
        uri = f"/2010-04-01/Accounts/{c.account_sid}/Conferences/{c.sid}.json"
        return {
            "account_sid": c.account_sid, "api_version": "2010-04-01", "date_created": _rfc2822(c.date_created),
            "date_updated": _rfc2822(c.date_updated), "friendly_name": c.friendly_name, "region": "us1", "sid": c.sid,
            "status": c.status, "uri": uri, "reason_conference_ended": c.reason_conference_ended,
            "call_sid_ending_conference": c.call_sid_ending_conference,
            "subresource_uris": {"participants": uri.replace(".json", "/Participants.json")},  # recordings: not emulated
        }

    def participant(self, p) -> dict:
        c, part = p.conference, p.participant
        uri = f"/2010-04-01/Accounts/{c.account_sid}/Conferences/{c.sid}/Participants/{part['call_sid']}.json"
        return {
            "account_sid": c.account_sid, "call_sid": part["call_sid"], "label": part["label"], "call_sid_to_coach": None,
            "coaching": False, "conference_sid": c.sid, "date_created": _rfc2822(part.get("joined_at") or c.date_created),
            "date_updated": _rfc2822(c.date_updated), "end_conference_on_exit": part["end_conference_on_exit"],
            "muted": False, "hold": False, "start_conference_on_enter": True, "status": part["status"], "queue_time": None,
            "uri": uri,
        }

    def api_key(self, k) -> dict:
        """An API key without its secret (shown only when it is created)."""
        return {"sid": k.sid, "friendly_name": k.friendly_name, "date_created": _rfc2822(k.date_created),
                "date_updated": _rfc2822(k.date_updated)}
