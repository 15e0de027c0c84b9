"""The :class:`Kit` a notebook works with: TaskRouter through the ordinary ``twilio.rest.Client`` (``kit.client``),
the tutorial, its tables, pictures, checks and live widgets. ``trkit.connect()`` (``backend.py``) makes one.

Everything a notebook does to TaskRouter is plain twilio code.
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
import time
from collections.abc import Callable
from typing import Any

from twilio.rest import Client

from . import receiver, tables
from .callback_server import CallbackServer
from .errors import BackendRefused, KitError, explain
from .language.vocabulary import LIVE_TASK_STATUSES
from .tutorial import Tutorial, ensure_tutorial_workspace, remove_tutorial_workspaces

TWILIO_BASE = "https://taskrouter.twilio.com"
# where a kernel on the mock finds its credentials (the curl commands name them, so a notebook never shows the token)
MOCK_SID_VARIABLE, MOCK_TOKEN_VARIABLE = "TRKIT_ACCOUNT_SID", "TRKIT_AUTH_TOKEN"
SETUP_SEED = 1  # the tutorial workspace's SIDs on the mock
LESSON_SEED = 2  # what each lesson creates after its reset
WAIT_ON_TWILIO, WAIT_ON_MOCK = 15.0, 5.0  # kit.wait_for's default patience, in seconds


class Kit:
    """A connected backend: the twilio client, the callback server and the lesson helpers."""

    def __init__(self, mode: str, client: Client, account_sid: str, auth_token: str, base_url: str,
                 callbacks: CallbackServer, mock_url: str | None = None) -> None:
        self.mode = mode
        self.client = client
        self.account_sid = account_sid
        self._auth_token = auth_token  # kept private: never printed, logged or shown in a table
        self.base_url = base_url
        self.callbacks = callbacks
        self.mock_url = mock_url
        self._tutorial: Tutorial | None = None
        self._previous_receivers: receiver.Receivers | None = None
        self._dashboards: list = []
        self._told: str | None = None  # the takeover this kernel was last told about
        self._lesson_started: float | None = None  # calls older than the lesson are not in its tables

    def __repr__(self) -> str:
        # no addresses: they differ from machine to machine (kit.mock_url and kit.callbacks.base_url have them)
        where = "the bundled mock" if self.mode == "mock" else "real Twilio"
        return f"<trkit Kit: {where}, account {self.account_sid}, callbacks to this kernel>"

    # ------------------------------------------------------------- tutorial
    def tutorial(self, reset: bool = True, seed: int | None = LESSON_SEED, lesson: int | None = None) -> Tutorial:
        """The quickstart's workspace (found or built), its callbacks pointed at this kernel.

        On the mock, SIDs are seeded (``seed``; None to leave them random): the workspace is
        built under a fixed seed and each lesson restarts the sequence after its reset, so a
        notebook shows the same SIDs every run. ``lesson`` (the notebook's number) gives each
        notebook a sequence of its own, so tasks in two notebooks never share a SID.
        """
        if lesson is not None and seed == LESSON_SEED:
            seed = LESSON_SEED + 100 * (lesson + 1)
        on_mock = self.mode == "mock"
        rebuilt = on_mock and reset
        if rebuilt:
            # on the mock a lesson starts from a freshly built workspace: with the seed below it gets
            # the same SIDs every time, and no event of an earlier run shares a SID with this one's
            remove_tutorial_workspaces(self.client)
        seeded = on_mock and seed is not None and reset  # reseeding mid-lesson would hand out SIDs again
        if seeded:
            self.mock.seed(SETUP_SEED)
        if self._previous_receivers is None:  # who had the callbacks before this kernel took them (given back on exit)
            self._previous_receivers = receiver.current(self.client)
        tutorial = ensure_tutorial_workspace(self.client, self.callbacks.assignment_url, self.callbacks.events_url)
        if reset:
            self.callbacks.instruction = None
            if not rebuilt:  # a rebuilt workspace has no tasks and every worker Offline already
                tutorial.reset()
            self.callbacks.clear()
        if on_mock and reset:
            from .tutorial import reset_phone_line

            reset_phone_line(self.client, self.phone_number)
        if reset:
            self._lesson_started = time.time() if not on_mock else None
        if seeded:
            self.mock.seed(seed)
        self._tutorial = tutorial
        return tutorial

    # ---------------------------------------------------------------- phones
    @functools.cached_property
    def phone(self):
        """The people on the phone lines: ``kit.phone.call()``, ``.press()``, ``.answer()``, ``.hang_up()``."""
        from .phone import Phones

        return Phones(self)

    @property
    def phone_number(self) -> str:
        """The tutorial's phone number: the kit's on the mock, yours ($TWILIO_PHONE_NUMBER) on real Twilio."""
        if self.mode == "mock":
            from .phone import MOCK_NUMBER

            return MOCK_NUMBER
        number = os.environ.get("TWILIO_PHONE_NUMBER", "").strip()
        if not number:
            raise KitError("The phone lessons need your Twilio number: set TWILIO_PHONE_NUMBER (E.164, like +15551234567).")
        return number

    def voice_url(self) -> str | None:
        """Where the tutorial's number sends its calls (its Voice URL), or None while it points nowhere."""
        found = self.client.incoming_phone_numbers.list(phone_number=self.phone_number)
        return (found[0].voice_url or None) if found else None

    def calls_table(self):
        """The calls of this lesson, newest first: both legs of a dequeued call, their statuses and times."""
        return tables.calls_table(self.client, self._lesson_started)

    # ---------------------------------------------------------------- clock
    @functools.cached_property
    def mock(self):
        """The bundled mock's control plane (reset, seed, clock, state); refused on real Twilio."""
        if self.mode != "mock":
            raise KitError("Only the bundled mock has a control plane (clock, reset, seed); on real Twilio, time passes by itself.")
        from .mock.client import MockControl

        return MockControl(self.mock_url, self.account_sid, self._auth_token)

    def advance(self, seconds: float) -> str:
        """Move the mock's clock forward; every timeout that falls due on the way fires."""
        from .mock.client import MockRefused

        try:
            return self.mock.advance(seconds)["now"]
        except MockRefused as exc:  # the mock's own error, in the kit's words
            raise BackendRefused(exc.status, exc.code, exc.message) from None

    def clock(self) -> str:
        return self.mock.clock()["now"]

    # --------------------------------------------------------------- waiting
    def wait_for(self, condition: Callable[[], Any], timeout: float | None = None, every: float = 0.25,
                 what: str | None = None) -> Any:
        """Poll ``condition`` until it returns something truthy (real Twilio routes asynchronously).

        ``timeout`` defaults to 15 s on real Twilio and 5 s on the mock, which routes as each request is made
        (what it waits for there are the kernel's own callback answers, within a second).
        On timeout it raises a :class:`KitError` saying what it waited for, how things stand
        now and the likely causes, instead of returning a falsy value the next cell trips on.
        """
        if timeout is None:
            timeout = WAIT_ON_TWILIO if self.mode == "twilio" else WAIT_ON_MOCK
        deadline = time.monotonic() + timeout
        if self._tutorial is not None:
            self.notice_takeover()
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise KitError(self._waited_in_vain(what or _condition_text(condition), timeout))
            time.sleep(every)

    def _waited_in_vain(self, what: str, timeout: float) -> str:
        lines = [f"Waited {timeout:g} s for {what}, in vain."]
        try:
            workspace = self._workspace()
            workers = workspace.workers.list()
            tasks = workspace.tasks.list(assignment_status=list(LIVE_TASK_STATUSES), limit=5)
        except Exception as exc:  # the state cannot be read: that is the news
            return " ".join(lines + [f"The workspace could not be read: {explain(exc)}"])
        lines.append("Now: " + ", ".join(f"{w.friendly_name} is {w.activity_name}" for w in workers) + "; "
                     + (", ".join(f"task {t.sid} is {t.assignment_status}" for t in tasks) or "no task is open") + ".")
        causes = self._likely_causes(workers, tasks)
        if causes:
            lines.append("Likely: " + "; ".join(causes) + ".")
        return " ".join(lines)

    def _likely_causes(self, workers: list, tasks: list) -> list[str]:
        """Why nothing happened, from what did happen: the last answer TaskRouter could not act on first,
        then reservations left pending, callbacks that reached nobody, and only then the state's gaps."""
        causes = []
        ignored = self._last_ignored_answer()
        if ignored:
            causes.append(ignored)
        for task in tasks:
            if task.assignment_status == "reserved":
                for reservation in self._tutorial.pending_reservations(task.sid):
                    causes.append(f"{reservation.worker_name}'s reservation {reservation.sid} of task {task.sid} is pending: "
                                  "accept or reject it (by REST, or by your handler's answer)")
        taken = self.takeover()
        if taken:
            causes.append(taken.rstrip(".") + " (kit.tutorial(reset=False) takes them back)")
        unreached = self.unreached_callbacks()
        if unreached:
            causes.append(f"{len(unreached)} callback(s) reached nobody, the last to {unreached[-1]['url']}")
        waiting = [t for t in tasks if t.assignment_status == "pending"]
        if waiting and not any(w.available for w in workers):
            causes.append("no worker is in an available activity (make one Idle)")
        if waiting:
            causes.append(f"kit.explain('{waiting[0].sid}') says: {self.explain(waiting[0].sid).summary}")
        return causes

    def _last_ignored_answer(self) -> str | None:
        """The newest assignment answer, when TaskRouter could not act on it (the callback log's reading)."""
        answers = [r for r in self.callbacks.assignment_requests() if r.status != 403]
        if not answers:
            return None
        last = answers[-1]
        reading = last.answer_reading()
        if reading.instruction is not None:
            return None
        who = "your handler" if last.handler == "your app" else "the kit's handler"
        body = " ".join(last.body.split())[:120] or "nothing"
        return f"{who}'s last answer was {body}: TaskRouter reads it as {reading.why}"

    # ---------------------------------------------------------------- tables
    def _workspace(self):
        if self._tutorial is None:
            self.tutorial(reset=False)
        self.notice_takeover()
        return self._tutorial.workspace

    def takeover(self) -> str | None:
        """Why this kernel no longer gets the tutorial's assignment callbacks, or None when it does."""
        if self._tutorial is None:
            return None
        url = self._tutorial.workspace.workflows(self._tutorial.workflow_sid).fetch().assignment_callback_url
        if receiver.is_under(url, self.callbacks.base_url):
            return None
        if not url:
            return "The tutorial workflow has no assignment callback URL any more (a process that took it exited)."
        gone = "" if receiver.answers(url) else ", where nothing listens any more (a stopped or restarted kernel)"
        return f"The tutorial's assignment callbacks go to {url}{gone}, not to this kernel."

    def notice_takeover(self) -> str | None:
        """Say once (per takeover) that another process took this kernel's callbacks, and how to take them back."""
        try:
            why = self.takeover()
        except Exception:  # the notice must never be what breaks a table
            return None
        if why and why != self._told:
            print(f"⚠ {why} kit.tutorial(reset=False) takes them back.")
        self._told = why
        return why

    def workers_table(self):
        return tables.workers_table(self._workspace())

    def activities_table(self):
        return tables.activities_table(self._workspace())

    def queues_table(self):
        return tables.queues_table(self._workspace())

    def workflow_table(self):
        return tables.workflow_table(self._workspace())

    def tasks_table(self, statuses: list[str] | None = None):
        return tables.tasks_table(self._workspace(), statuses)

    def reservations_table(self, task_sids: list[str] | None = None):
        return tables.reservations_table(self._workspace(), task_sids)

    def events_table(self, limit: int = 50, **filters: Any):
        return tables.events_table(self._workspace(), limit=limit, **filters)

    def callbacks_table(self, kind: str | None = None):
        return tables.callbacks_table(self.callbacks, kind)

    def last_assignment_callback(self):
        """The newest assignment callback request, as a table of its parameters."""
        records = self.callbacks.assignment_requests()
        if not records:
            raise KitError("No assignment callback has arrived yet: is a worker available for the task?")
        return tables.callback_parameters(records[-1])

    def last_voice_request(self):
        """The newest request a call made to your routes (a voice webhook), as a table of its parameters."""
        records = [r for r in self.callbacks.records if r.kind == "voice"]
        if not records:
            raise KitError("No call has asked your routes for TwiML yet: is the number's voice_url pointed at them?")
        return tables.callback_parameters(records[-1])

    # -------------------------------------------------------------- pictures
    def routing_graph(self, task_sid: str | None = None, workflow_sid: str | None = None):
        """The workflow as a flowchart (filters, targets, queues, the workers they reach); with a task, its path."""
        from .pictures import routing_graph

        workspace = self._workspace()
        return routing_graph(workspace, workflow_sid or (self._tutorial.workflow_sid if self._tutorial else None), task_sid)

    def timeline(self, task_sid: str):
        """One task's life on a time axis, from the Events resource."""
        from .pictures import task_timeline

        return task_timeline(self._workspace(), task_sid)

    def wallboard(self, minutes: int = 60):
        """Live charts of the workspace's statistics: tasks by status, workers by activity, the longest wait, totals."""
        from .wallboard import Wallboard

        board = Wallboard(self, minutes=minutes)
        self._dashboards.append(board)
        return board

    def busy_hour(self, minutes: int = 60, tasks_per_minute: int = 2, board=None) -> dict:
        """Scripted traffic on the mock's clock (tasks arriving, accepted, finished) to watch on a wallboard."""
        from .scenarios import busy_hour

        return busy_hour(self, minutes=minutes, tasks_per_minute=tasks_per_minute, board=board)

    # --------------------------------------------------------------- explain
    def explain(self, task_sid: str):
        """Why a task is pending (or where it stands), worker by worker."""
        from .explain import explain_task

        return explain_task(self._workspace(), task_sid)

    def explain_worker(self, worker: str):
        """Why a worker is (not) getting tasks; ``worker`` is a name of the tutorial or a WK SID."""
        from .explain import explain_worker

        sid = self._tutorial.workers.get(worker, worker) if self._tutorial else worker
        return explain_worker(self._workspace(), sid)

    # ------------------------------------------------------------------ curl
    def curl(self, method: str, path: str, data: dict[str, str] | None = None) -> str:
        """The curl command for a request, with this backend's URL (credentials as shell variables)."""
        base = self.mock_url if self.mode == "mock" else TWILIO_BASE
        parts = ["curl", "-X", method, shlex.quote(base + path)]
        for key, value in (data or {}).items():
            parts += ["--data-urlencode", shlex.quote(f"{key}={value}")]
        if self.mode == "mock":
            # the mock's token is the user's secret: connect() puts it in this kernel's environment for ! commands
            parts += ["-u", f'"${MOCK_SID_VARIABLE}:${MOCK_TOKEN_VARIABLE}"']
        else:
            parts += ["-u", '"$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"']
        return " \\\n  ".join([" ".join(parts[:4])] + [" ".join(parts[i:i + 2]) for i in range(4, len(parts), 2)])

    # ------------------------------------------------------------- handlers
    def serve(self, app) -> str:
        """Serve your Flask app (the assignment handler you wrote) on this kernel's callback server.

        TaskRouter's requests to the paths your app routes reach your view functions, after the
        kit has checked their signature; each answer is logged with what TaskRouter makes of it
        (``kit.callbacks_table()``). Re-running the cell with a new app replaces the old one.
        Returns the callback server's base URL: point the workflow at base URL + your route.
        """
        self.callbacks.serve(app)
        return self.callbacks.base_url

    # ------------------------------------------------------------ exercises
    def check(self, objective: str, *value: Any):
        """Judge an exercise from what your code did (TaskRouter's state, the requests your routes answered).

        Prints nothing itself: the result shows ✓ or ✗, what was seen and, when it fails, what to change.
        ``kit.progress()`` lists every objective with its state.
        """
        from .exercises import run_check

        return run_check(self, objective, *value)

    def progress(self):
        """Every exercise of the notebooks: met, tried or still open (kept in the trkit home, per backend)."""
        from .exercises import backend_key, progress

        return progress.table(backend_key(self))

    # ------------------------------------------------------------- agent page
    def agent_page(self, token: str, post_work_activity_sid: str | None = None, height: int = 420):
        """Alice's agent page for a worker token (minted in the notebook), shown in the notebook.

        The page runs the official worker SDK; on the mock it talks to the mock's event bridge, on real
        Twilio to Twilio's. ``.url`` opens it in its own tab. ``post_work_activity_sid`` is what its
        Dequeue button moves the worker to after the call.
        """
        import secrets

        from IPython.display import IFrame

        from .agent_page import activities_set_by_taskrouter, render_page, sdk_missing
        from .browser_links import for_browser

        missing = sdk_missing()
        if missing:
            raise KitError(missing)
        options = {}
        if self.mode == "mock":  # the page makes the WebSocket address's scheme ws(s)
            bridge = for_browser(self.mock_url + "/v1/wschannels")
            options = {"ebServer": bridge, "wsServer": bridge}
        page_id = secrets.token_hex(8)
        from_number = self.phone_number if self.mode == "mock" or os.environ.get("TWILIO_PHONE_NUMBER") else None
        # the SDK's address is relative to the page's, so the page loads it the same way, proxied or not
        self.callbacks.pages[page_id] = render_page(token, options, "sdk.js", post_work_activity_sid, from_number,
                                                    activities_set_by_taskrouter(self._workspace()))
        url = for_browser(f"{self.callbacks.base_url}/agents/{page_id}")
        frame = IFrame(url, width="100%", height=height)
        frame.url = url
        return frame

    # ------------------------------------------------------------- dashboard
    def dashboard(self, **options: Any):
        from .dashboard import Dashboard

        board = Dashboard(self, **options)
        self._dashboards.append(board)
        return board

    def callback_receiver(self) -> str:
        """Which process receives the tutorial workspace's callbacks now, in one line."""
        now = receiver.current(self.client)
        if now is None:
            return "There is no tutorial workspace yet: kit.tutorial() builds it, with its callbacks pointed at this kernel."
        if receiver.is_under(now.assignment_url, self.callbacks.base_url):
            return f"This kernel receives the tutorial's callbacks ({now.assignment_url})."
        where = now.assignment_url or "nobody"
        dead = "" if receiver.answers(now.assignment_url) or not now.assignment_url else " (nothing listens there any more)"
        return (f"The tutorial's callbacks go to {where}{dead}, not to this kernel ({self.callbacks.base_url}). "
                "kit.tutorial(reset=False) takes them back.")

    def unreached_callbacks(self) -> list[dict]:
        """The mock's deliveries that found nothing listening (a dead receiver); real Twilio shows these in its debugger."""
        if self.mode != "mock":
            return []
        return [c for c in self.mock.callbacks() if c.get("outcome", "").startswith("failed (no receiver")]

    def lifecycle(self, task_sid: str | None = None):
        """The quickstart's lifecycle line for a task (default: the newest live one), its current step highlighted."""
        from .lifecycle import lifecycle_of, newest_live_task

        workspace = self._workspace()
        task = workspace.tasks(task_sid).fetch() if task_sid else newest_live_task(workspace)
        if task is None:
            raise KitError("There is no task yet: create one first.")
        return lifecycle_of(task, workspace.tasks(task.sid).reservations.list())

    def lifecycle_diagram(self, name: str = "Task"):
        """Every status of a Task (or a Reservation) and every move between them, as a state diagram: the moves a
        client may ask for are marked (client), with the event TaskRouter records after the slash."""
        from .lifecycle import lifecycle_diagram

        return lifecycle_diagram(name)

    def close(self) -> None:
        """Stop this kernel's dashboards and callback server, giving back the callbacks it took over."""
        for board in self._dashboards:
            board.close()
        self._dashboards.clear()
        if self._tutorial is not None:
            try:
                receiver.give_back(self.client, self.callbacks.base_url, self._previous_receivers)
            except Exception:  # closing must not fail (the backend may be gone already); said on the kit's log
                logging.getLogger("trkit").warning("giving back the callbacks while closing the kit failed", exc_info=True)
            self._tutorial = None
        self.callbacks.stop()
        for holder in (self.client.http_client, self.__dict__.get("mock")):  # the kept connections to the mock, if any
            if hasattr(holder, "close"):
                holder.close()


def _condition_text(condition: Callable[[], Any]) -> str:
    """The lambda's body as the learner wrote it, to say what was awaited."""
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(condition))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return "the condition"
    lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    body = ast.get_source_segment(source, lambdas[0].body) if lambdas else None
    return body or "the condition"
