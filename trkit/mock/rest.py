"""The REST surface: TaskRouter v1's paths, parsed, handed to the engine, rendered.

No rules live here. Each view reads its parameters (errors name them), calls
one engine method and renders the result with the base URL the client used,
so ``url``, ``links`` and paging URLs lead back to this mock.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from collections.abc import Callable
from concurrent.futures import wait
from functools import partial
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .engine import TaskRouterEngine
from .errors import TaskRouterError, invalid, not_found, unauthorized
from .params import Params
from .render import Renderer

log = logging.getLogger("trkit.mock")

STATUSES = ("pending", "reserved", "assigned", "canceled", "completed", "wrapping")
RESERVATION_STATUSES = ("pending", "accepted", "rejected", "timeout", "canceled", "rescinded", "wrapping", "completed")
INSTRUCTION_PREFIXES = {"dequeue": "Dequeue", "call": "Call", "redirect": "Redirect", "conference": "", "supervise": ""}
CONFERENCE_PARAMS = (
    "To", "From", "StatusCallback", "StatusCallbackMethod", "StatusCallbackEvent", "Timeout", "Record", "Muted", "Beep",
    "StartConferenceOnEnter", "EndConferenceOnExit", "WaitUrl", "WaitMethod", "EarlyMedia", "MaxParticipants",
    "ConferenceStatusCallback", "ConferenceStatusCallbackMethod", "ConferenceStatusCallbackEvent", "ConferenceRecord",
    "ConferenceTrim", "RecordingChannels", "RecordingStatusCallback", "RecordingStatusCallbackMethod",
    "ConferenceRecordingStatusCallback", "ConferenceRecordingStatusCallbackMethod", "Region", "SipAuthUsername",
    "SipAuthPassword", "PostWorkActivitySid", "EndConferenceOnCustomerExit", "BeepOnCustomerEntrance", "JitterBufferSize",
    "SupervisorMode", "Supervisor",
)
# reservation parameters the spec types as URIs (format: uri): checked whatever the instruction
INSTRUCTION_URLS = ("DequeueStatusCallbackUrl", "CallUrl", "CallStatusCallbackUrl", "RedirectUrl", "StatusCallback", "WaitUrl",
                    "ConferenceStatusCallback", "RecordingStatusCallback", "ConferenceRecordingStatusCallback")
MAX_BODY = 1_200_000


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json")


def _error(exc: TaskRouterError) -> Response:
    response = _json(exc.to_json(), exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def create_app(engine: TaskRouterEngine, settle_timeout: float = 12.0) -> Flask:
    """A Flask app serving ``engine`` over TaskRouter's REST API."""
    app = Flask("trkit.mock")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.url_map.strict_slashes = False
    routes: list[tuple[str, str, str]] = []

    def route(path: str, methods: list[str]) -> Callable:
        def register(view: Callable) -> Callable:
            for method in methods:
                routes.append((method, path, view.__name__))
            app.add_url_rule(path, view.__name__, view, methods=methods)
            return view
        return register

    app.config["TRKIT_ROUTES"] = routes

    # --------------------------------------------------------------- plumbing
    @app.before_request
    def authenticate() -> Response | None:
        engine.answer_before_routing(True)
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return _error(unauthorized(False))
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return _error(unauthorized(True))
        good_user = hmac.compare_digest(user.encode(), engine.account_sid.encode())
        good_password = hmac.compare_digest(password.encode(), engine.auth_token.encode())
        if not (good_user and good_password):
            return _error(unauthorized(True))
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(invalid(f"Request body is too large: {request.content_length} bytes, at most {MAX_BODY} are allowed"))
        return None

    @app.after_request
    def settle(response: Response) -> Response:
        # The answer waits (without any lock) for the callbacks this request caused,
        # so the next call sees their effect; other requests proceed meanwhile.
        engine.answer_before_routing(False)
        futures = engine.take_futures()
        if futures:
            wait(futures, timeout=settle_timeout)
        return response

    @app.errorhandler(TaskRouterError)
    def taskrouter_error(exc: TaskRouterError) -> Response:
        return _error(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if exc.code == 404:
            return _error(not_found(request.path))
        if exc.code == 405:
            return _error(TaskRouterError(405, 20004, f"Method {request.method} not allowed on {request.path}"))
        if exc.code == 413:
            return _error(invalid(f"Request body is too large: at most {MAX_BODY} bytes are allowed"))
        return _error(TaskRouterError(exc.code or 400, 20001, exc.description or "Bad request"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error(TaskRouterError(500, 20500, f"Internal server error: {type(exc).__name__}"))

    def form() -> Params:
        try:
            return Params(request.form)
        except UnicodeDecodeError:
            raise invalid("The request body is not valid UTF-8") from None

    def args() -> Params:
        return Params(request.args)

    def renderer() -> Renderer:
        return Renderer(engine, request.host_url)

    def one(obj: Any, status: int = 200, **context: Any) -> Response:
        response = _json(renderer().render(obj, **context), status)
        if getattr(obj, "KIND", None) in ("task", "worker", "reservation"):
            response.headers["ETag"] = f'"{obj.version}"'  # the spec gives these three an ETag
        return response

    def if_match() -> str | None:
        return request.headers.get("If-Match")

    def page(items: list | Callable[..., list], key: str, **context: Any) -> Response:
        """One page of ``items``: a list, or a function taking ``offset`` and ``limit`` (the big lists, which
        then cost one page, not the whole store)."""
        params = args()
        size = params.int("PageSize", 1, 1000) or 50
        number = params.int("Page", 0, 10**9) or 0
        token = request.args.get("PageToken")
        if token is not None:
            if not (token.startswith("PT") and token[2:].isdigit()):
                raise invalid(f"PageToken {token!r} is invalid: use the next_page_url the previous page returned")
            start = int(token[2:])
        else:
            start = number * size
        if callable(items):
            chunk = items(offset=start, limit=size + 1)
            has_next = len(chunk) > size
            chunk = chunk[:size]
        else:
            chunk = items[start:start + size]
            has_next = start + size < len(items)
        render = renderer()
        filters = [(k, v) for k, v in request.args.items(multi=True) if k not in ("PageSize", "Page", "PageToken")]
        base = render.url(request.path)

        def link(page_number: int, offset: int | None) -> str:
            query = filters + [("PageSize", size), ("Page", page_number)]
            if offset is not None:
                query.append(("PageToken", f"PT{offset}"))
            return f"{base}?{urlencode(query)}"

        meta = {
            "page": number,
            "page_size": size,
            "first_page_url": link(0, None),
            "previous_page_url": link(number - 1, max(start - size, 0)) if start > 0 else None,
            "url": link(number, start if token is not None else None),
            "next_page_url": link(number + 1, start + size) if has_next else None,
            "key": key,
        }
        return _json({key: [render.render(item, **context) for item in chunk], "meta": meta})

    def locked(view: Callable) -> Callable:
        """Run the view under the engine's lock so the rendering is one consistent snapshot."""
        def wrapper(*a: Any, **kw: Any) -> Any:
            with engine.lock:
                return view(*a, **kw)
        wrapper.__name__ = view.__name__
        return wrapper

    def deleted() -> Response:
        return Response(status=204)

    # ============================================================= workspaces
    @route("/v1/Workspaces", ["GET", "POST"])
    @locked
    def workspaces():
        if request.method == "GET":
            return page(engine.list_workspaces(args().str("FriendlyName")), "workspaces")
        f = form()
        ws = engine.create_workspace(
            friendly_name=f.str("FriendlyName", required=True),
            event_callback_url=f.url("EventCallbackUrl"),
            events_filter=f.str("EventsFilter"),
            multi_task_enabled=f.bool("MultiTaskEnabled"),
            template=f.enum("Template", ("NONE", "FIFO")),
            prioritize_queue_order=f.enum("PrioritizeQueueOrder", ("FIFO", "LIFO")),
        )
        return one(ws, 201)

    @route("/v1/Workspaces/<ws>", ["GET", "POST", "DELETE"])
    @locked
    def workspace(ws: str):
        if request.method == "GET":
            return one(engine.workspace(ws))
        if request.method == "DELETE":
            engine.delete_workspace(ws)
            return deleted()
        f = form()
        return one(engine.update_workspace(
            ws,
            default_activity_sid=f.str("DefaultActivitySid"),
            event_callback_url=f.url("EventCallbackUrl"),
            events_filter=f.str("EventsFilter"),
            friendly_name=f.str("FriendlyName"),
            multi_task_enabled=f.bool("MultiTaskEnabled"),
            timeout_activity_sid=f.str("TimeoutActivitySid"),
            prioritize_queue_order=f.enum("PrioritizeQueueOrder", ("FIFO", "LIFO")),
        ))

    # ============================================================= activities
    @route("/v1/Workspaces/<ws>/Activities", ["GET", "POST"])
    @locked
    def activities(ws: str):
        if request.method == "GET":
            a = args()
            return page(engine.list_activities(ws, a.str("FriendlyName"), a.bool("Available", lenient=True)), "activities")
        f = form()
        available = f.bool("Available", lenient=True)
        return one(engine.create_activity(ws, f.str("FriendlyName", required=True), bool(available)), 201)

    @route("/v1/Workspaces/<ws>/Activities/<sid>", ["GET", "POST", "DELETE"])
    @locked
    def activity(ws: str, sid: str):
        if request.method == "GET":
            return one(engine.activity(ws, sid))
        if request.method == "DELETE":
            engine.delete_activity(ws, sid)
            return deleted()
        return one(engine.update_activity(ws, sid, form().str("FriendlyName")))

    # ========================================================== task channels
    @route("/v1/Workspaces/<ws>/TaskChannels", ["GET", "POST"])
    @locked
    def task_channels(ws: str):
        if request.method == "GET":
            return page(engine.list_task_channels(ws), "channels")
        f = form()
        return one(engine.create_task_channel(
            ws, f.str("FriendlyName", required=True), f.str("UniqueName", required=True), f.bool("ChannelOptimizedRouting"),
        ), 201)

    @route("/v1/Workspaces/<ws>/TaskChannels/<sid>", ["GET", "POST", "DELETE"])
    @locked
    def task_channel(ws: str, sid: str):
        if request.method == "GET":
            return one(engine.task_channel(ws, sid))
        if request.method == "DELETE":
            engine.delete_task_channel(ws, sid)
            return deleted()
        f = form()
        return one(engine.update_task_channel(ws, sid, f.str("FriendlyName"), f.bool("ChannelOptimizedRouting")))

    # ================================================================ workers
    @route("/v1/Workspaces/<ws>/Workers", ["GET", "POST"])
    @locked
    def workers(ws: str):
        if request.method == "GET":
            a = args()
            return page(partial(
                engine.list_workers, ws,
                activity_name=a.str("ActivityName"),
                activity_sid=a.str("ActivitySid"),
                available=a.bool("Available", lenient=True),
                friendly_name=a.str("FriendlyName"),
                target_workers_expression=a.str("TargetWorkersExpression"),
                task_queue_name=a.str("TaskQueueName"),
                task_queue_sid=a.str("TaskQueueSid"),
            ), "workers")
        f = form()
        return one(engine.create_worker(ws, f.str("FriendlyName", required=True), f.str("ActivitySid"), f.str("Attributes")), 201)

    @route("/v1/Workspaces/<ws>/Workers/<sid>", ["GET", "POST", "DELETE"])
    @locked
    def worker(ws: str, sid: str):
        if request.method == "GET":
            return one(engine.worker(ws, sid))
        if request.method == "DELETE":
            engine.delete_worker(ws, sid, if_match=if_match())
            return deleted()
        f = form()
        return one(engine.update_worker(
            ws, sid,
            activity_sid=f.str("ActivitySid"),
            attributes=f.str("Attributes"),
            friendly_name=f.str("FriendlyName"),
            reject_pending_reservations=f.bool("RejectPendingReservations"),
            if_match=if_match(),
        ))

    @route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Channels", ["GET"])
    @locked
    def worker_channels(ws: str, worker_sid: str):
        return page(engine.worker_channels(ws, worker_sid), "channels")

    @route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Channels/<sid>", ["GET", "POST"])
    @locked
    def worker_channel(ws: str, worker_sid: str, sid: str):
        if request.method == "GET":
            return one(engine.worker_channel(ws, worker_sid, sid))
        f = form()
        return one(engine.update_worker_channel(ws, worker_sid, sid, f.int("Capacity", 0, 50), f.bool("Available")))

    @route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Reservations", ["GET"])
    @locked
    def worker_reservations(ws: str, worker_sid: str):
        status = args().enum("ReservationStatus", RESERVATION_STATUSES)
        items = engine.list_reservations(ws, worker_sid=worker_sid, reservation_status=status)
        return page(items, "reservations", via_worker=True)

    @route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Reservations/<sid>", ["GET", "POST"])
    @locked
    def worker_reservation(ws: str, worker_sid: str, sid: str):
        if request.method == "GET":
            return one(engine.reservation(ws, sid, worker_sid=worker_sid), via_worker=True)
        return one(_update_reservation(ws, sid, worker_sid=worker_sid), via_worker=True)

    # ============================================================ task queues
    @route("/v1/Workspaces/<ws>/TaskQueues", ["GET", "POST"])
    @locked
    def task_queues(ws: str):
        if request.method == "GET":
            a = args()
            return page(engine.list_task_queues(
                ws, a.str("FriendlyName"), a.str("EvaluateWorkerAttributes"), a.str("WorkerSid"),
            ), "task_queues")
        f = form()
        return one(engine.create_task_queue(
            ws,
            friendly_name=f.str("FriendlyName", required=True),
            target_workers=f.str("TargetWorkers"),
            max_reserved_workers=f.int("MaxReservedWorkers", 1, 50),
            task_order=f.enum("TaskOrder", ("FIFO", "LIFO")),
            reservation_activity_sid=f.str("ReservationActivitySid"),
            assignment_activity_sid=f.str("AssignmentActivitySid"),
        ), 201)

    @route("/v1/Workspaces/<ws>/TaskQueues/<sid>", ["GET", "POST", "DELETE"])
    @locked
    def task_queue(ws: str, sid: str):
        if request.method == "GET":
            return one(engine.task_queue(ws, sid))
        if request.method == "DELETE":
            engine.delete_task_queue(ws, sid)
            return deleted()
        f = form()
        return one(engine.update_task_queue(
            ws, sid,
            friendly_name=f.str("FriendlyName"),
            target_workers=f.str("TargetWorkers"),
            max_reserved_workers=f.int("MaxReservedWorkers", 1, 50),
            task_order=f.enum("TaskOrder", ("FIFO", "LIFO")),
            reservation_activity_sid=f.str("ReservationActivitySid"),
            assignment_activity_sid=f.str("AssignmentActivitySid"),
        ))

    # ============================================================== workflows
    @route("/v1/Workspaces/<ws>/Workflows", ["GET", "POST"])
    @locked
    def workflows(ws: str):
        if request.method == "GET":
            return page(engine.list_workflows(ws, args().str("FriendlyName")), "workflows")
        f = form()
        return one(engine.create_workflow(
            ws,
            friendly_name=f.str("FriendlyName", required=True),
            configuration=f.str("Configuration", required=True),
            assignment_callback_url=f.url("AssignmentCallbackUrl"),
            fallback_assignment_callback_url=f.url("FallbackAssignmentCallbackUrl"),
            task_reservation_timeout=f.int("TaskReservationTimeout", 1, 86400),
        ), 201)

    @route("/v1/Workspaces/<ws>/Workflows/<sid>", ["GET", "POST", "DELETE"])
    @locked
    def workflow(ws: str, sid: str):
        if request.method == "GET":
            return one(engine.workflow(ws, sid))
        if request.method == "DELETE":
            engine.delete_workflow(ws, sid)
            return deleted()
        f = form()
        return one(engine.update_workflow(
            ws, sid,
            re_evaluate_tasks=bool(f.bool("ReEvaluateTasks")),
            friendly_name=f.str("FriendlyName"),
            configuration=f.str("Configuration"),
            assignment_callback_url=f.url("AssignmentCallbackUrl"),
            fallback_assignment_callback_url=f.url("FallbackAssignmentCallbackUrl"),
            task_reservation_timeout=f.int("TaskReservationTimeout", 1, 86400),
        ))

    # ================================================================== tasks
    @route("/v1/Workspaces/<ws>/Tasks", ["GET", "POST"])
    @locked
    def tasks(ws: str):
        if request.method == "GET":
            a = args()
            statuses = a.list("AssignmentStatus")
            for status in statuses or []:
                if status not in STATUSES:
                    raise invalid(f"AssignmentStatus must be one of {', '.join(STATUSES)}, got {status!r}")
            return page(partial(
                engine.list_tasks, ws,
                priority=a.int("Priority"),
                assignment_status=statuses,
                workflow_sid=a.str("WorkflowSid"),
                workflow_name=a.str("WorkflowName"),
                task_queue_sid=a.str("TaskQueueSid"),
                task_queue_name=a.str("TaskQueueName"),
                evaluate_task_attributes=a.str("EvaluateTaskAttributes"),
                routing_target=a.str("RoutingTarget"),
                ordering=a.str("Ordering"),
                has_addons=a.bool("HasAddons"),
            ), "tasks")
        f = form()
        return one(engine.create_task(
            ws,
            attributes=f.str("Attributes"),
            workflow_sid=f.str("WorkflowSid"),
            priority=f.int("Priority", 0, 2_147_483_647),
            timeout=f.int("Timeout", 1, 1_209_600),
            task_channel=f.str("TaskChannel"),
            virtual_start_time=f.date("VirtualStartTime"),
            routing_target=f.str("RoutingTarget"),
            ignore_capacity=f.bool("IgnoreCapacity"),
            task_queue_sid=f.str("TaskQueueSid"),
        ), 201)

    @route("/v1/Workspaces/<ws>/Tasks/<sid>", ["GET", "POST", "DELETE"])
    @locked
    def task(ws: str, sid: str):
        if request.method == "GET":
            return one(engine.task(ws, sid))
        if request.method == "DELETE":
            engine.delete_task(ws, sid, if_match=if_match())
            return deleted()
        f = form()
        return one(engine.update_task(
            ws, sid,
            attributes=f.str("Attributes"),
            assignment_status=f.enum("AssignmentStatus", STATUSES),
            reason=f.str("Reason"),
            priority=f.int("Priority", 0, 2_147_483_647),
            task_channel=f.str("TaskChannel"),
            virtual_start_time=f.date("VirtualStartTime"),
            if_match=if_match(),
        ))

    @route("/v1/Workspaces/<ws>/Tasks/<task_sid>/Reservations", ["GET"])
    @locked
    def task_reservations(ws: str, task_sid: str):
        a = args()
        items = engine.list_reservations(
            ws, task_sid=task_sid, reservation_status=a.enum("ReservationStatus", RESERVATION_STATUSES),
            filter_worker_sid=a.str("WorkerSid"),
        )
        return page(items, "reservations")

    @route("/v1/Workspaces/<ws>/Tasks/<task_sid>/Reservations/<sid>", ["GET", "POST"])
    @locked
    def task_reservation(ws: str, task_sid: str, sid: str):
        if request.method == "GET":
            return one(engine.reservation(ws, sid, task_sid=task_sid))
        return one(_update_reservation(ws, sid, task_sid=task_sid))

    def _update_reservation(ws: str, sid: str, task_sid: str | None = None, worker_sid: str | None = None):
        f = form()
        for name in INSTRUCTION_URLS:
            f.url(name)
        instruction = f.enum("Instruction", tuple(INSTRUCTION_PREFIXES))
        params: dict[str, Any] = {}
        if instruction == "conference" or instruction == "supervise":
            params = {
                "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_"): f.str(name)
                for name in CONFERENCE_PARAMS if f.has(name)
            }
        elif instruction is not None:
            params = f.prefixed(INSTRUCTION_PREFIXES[instruction])
            if instruction == "dequeue" and f.has("PostWorkActivitySid"):
                params["post_work_activity_sid"] = f.str("PostWorkActivitySid")
        return engine.update_reservation(
            ws, sid, task_sid=task_sid, worker_sid=worker_sid,
            reservation_status=f.enum("ReservationStatus", RESERVATION_STATUSES),
            worker_activity_sid=f.str("WorkerActivitySid"),
            instruction=instruction,
            instruction_params=params,
            if_match=if_match(),
        )

    # ================================================================= events
    @route("/v1/Workspaces/<ws>/Events", ["GET"])
    @locked
    def events(ws: str):
        a = args()
        return page(partial(
            engine.list_events, ws,
            end_date=a.date("EndDate"),
            event_type=a.str("EventType"),
            minutes=a.int("Minutes", 1, 43200),
            reservation_sid=a.str("ReservationSid"),
            start_date=a.date("StartDate"),
            task_queue_sid=a.str("TaskQueueSid"),
            task_sid=a.str("TaskSid"),
            worker_sid=a.str("WorkerSid"),
            workflow_sid=a.str("WorkflowSid"),
            task_channel=a.str("TaskChannel"),
            sid=a.str("Sid"),
        ), "events")

    @route("/v1/Workspaces/<ws>/Events/<sid>", ["GET"])
    @locked
    def event(ws: str, sid: str):
        return one(engine.event(ws, sid))

    from .control import register_control
    from .statistics_routes import register_statistics

    register_statistics(app, engine, route, locked, args, renderer)
    register_control(app, engine, route)
    return app
