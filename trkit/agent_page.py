"""Alice's agent page (Quickstart Part 4): the official worker SDK, unmodified, in a page the kit serves.

The page shows the worker's activity with buttons to change it (none for the activities TaskRouter sets itself
when it reserves and assigns) and logs each reservation as it is
pushed (the caller's number and language for a task from a call) with Accept, Reject and, for a call,
Dequeue. The token is minted in the notebook (``AccessToken`` + ``TaskRouterGrant``); on the bundled
mock the page points the SDK at the mock's event bridge (``ebServer``/``wsServer``), on real Twilio it
keeps the SDK's defaults. The SDK is the npm package ``twilio-taskrouter`` pinned in ``agent/``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "agent" / "dist" / "taskrouter.js"  # the SDK and its dependencies, bundled for the browser at set-up
SDK_LICENSE = ROOT / "agent" / "node_modules" / "twilio-taskrouter" / "LICENSE.md"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Agent page</title>
<style>
 body {{ font-family: sans-serif; margin: 12px; }}
 .trkit-agent-activity {{ font-size: 120%; margin: 6px 0; }}
 .trkit-agent-error {{ color: #dc322f; font-weight: 600; }}
 button {{ margin: 2px; }}
 textarea {{ width: 100%; }}
</style>
<script src="{sdk_url}"></script></head>
<body>
<h3 id="name">Initializing...</h3>
<div class="trkit-agent-activity">Activity: <b id="activity">?</b></div>
<div id="buttons"></div>
<div id="error" class="trkit-agent-error"></div>
<h4>Reservations</h4>
<ul id="reservations"></ul>
<textarea id="log" rows="8" readonly></textarea>
<script>
const log = (text) => {{ const area = document.getElementById("log"); area.value += text + "\\n"; area.scrollTop = area.scrollHeight; }};
const fail = (text) => {{ document.getElementById("error").textContent = text; log("error: " + text); }};
const postWork = {post_work};
const callerNumber = {from_number};
let worker;
const token = {token};
const options = {options};
// The bridge's addresses may come as paths on this page's server (through jupyter-server-proxy on a
// hub): the SDK wants them whole, the WebSocket one with its ws(s) scheme.
const whole = (address, websocket) => {{
  const url = new URL(address, location.href);
  if (websocket) url.protocol = url.protocol === "https:" ? "wss:" : (url.protocol === "http:" ? "ws:" : url.protocol);
  return url.href;
}};
if (options.ebServer) options.ebServer = whole(options.ebServer, false);
if (options.wsServer) options.wsServer = whole(options.wsServer, true);
// Ask the event bridge about the token first, with the SDK's own request: a refusal then reads as the
// bridge's message here, not only as the SDK's "Could not connect".
const probe = async () => {{
  const grant = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).grants.task_router;
  const bridge = options.ebServer || "https://event-bridge.twilio.com/v1/wschannels";
  const reply = await fetch(bridge, {{method: "POST", body: JSON.stringify(
    {{url: "Workspaces/" + grant.workspace_sid + "/Workers/" + grant.worker_sid, method: "GET", token: token}})}});
  if (!reply.ok) {{
    const body = await reply.json().catch(() => ({{}}));
    throw new Error(body.message || ("the event bridge answered " + reply.status));
  }}
}};
const start = () => {{
  try {{
    worker = new Twilio.TaskRouter.Worker(token, options);
  }} catch (error) {{
    fail("The worker SDK refused the token: " + error.message);
    return;
  }}
  listen(worker);
}};
// activities TaskRouter moves a worker into itself (the queues' reservation and assignment activities): no button
const setByTaskRouter = {set_by_taskrouter};
const show = (w) => {{
  document.getElementById("name").textContent = w.name;
  document.getElementById("activity").textContent = w.activity.name;
  document.body.dataset.activity = w.activity.name;
  document.querySelectorAll(".trkit-go").forEach((button) => {{ button.disabled = button.dataset.activity === w.activity.name; }});
}};
function listen(worker) {{
  worker.on("ready", (w) => {{
    show(w);
    log("Ready: " + w.name + " is " + w.activity.name);
    w.reservations.forEach((reservation) => addReservation(reservation, "Already reserved: "));
    const buttons = document.getElementById("buttons");
    buttons.innerHTML = "";
    w.activities.forEach((activity) => {{
      if (setByTaskRouter.includes(activity.name)) return;
      const button = document.createElement("button");
      button.textContent = "Go " + activity.name;
      button.className = "trkit-go trkit-go-" + activity.name.toLowerCase();
      button.dataset.activity = activity.name;
      button.onclick = () => activity.setAsCurrent().catch((e) => fail(e.message));
      buttons.appendChild(button);
    }});
    show(w);
  }});
  worker.on("activityUpdated", (w) => {{ show(w); log("Activity: " + w.activity.name); }});
  worker.on("reservationCreated", (reservation) => addReservation(reservation, "You have been reserved: "));
  worker.on("error", (error) => fail(error.message || String(error)));
  worker.on("tokenExpired", () => fail("The token has expired: mint a new one in the notebook"));
  worker.on("disconnected", () => log("Disconnected"));
}}
function addReservation(reservation, intro) {{
  {{
    const attributes = reservation.task.attributes || {{}};
    const item = document.createElement("li");
    item.className = "trkit-reservation";
    item.dataset.sid = reservation.sid;
    const about = attributes.from ? ("a call from " + attributes.from + ", language " + attributes.selected_language)
                                   : ("a task, language " + attributes.selected_language);
    item.innerHTML = "<span class='trkit-reservation-status'>" + reservation.status + "</span> " + reservation.sid + ": " + about + " ";
    // the answers a pending reservation takes; once it is answered (or gone) they go
    const actions = document.createElement("span");
    actions.className = "trkit-reservation-actions";
    const act = (label, css, action) => {{
      const button = document.createElement("button");
      button.textContent = label;
      button.className = css;
      button.onclick = () => action().catch((e) => fail(e.message));
      actions.appendChild(button);
    }};
    act("Accept", "trkit-page-accept", () => reservation.accept());
    act("Reject", "trkit-page-reject", () => reservation.reject());
    if (attributes.call_sid && callerNumber) {{
      act("Dequeue", "trkit-page-dequeue", () => reservation.dequeue({{from: callerNumber, postWorkActivitySid: postWork || undefined}}));
    }}
    if (reservation.status === "pending") item.appendChild(actions);
    document.getElementById("reservations").prepend(item);
    log(intro + about);
    const status = (text) => {{
      item.querySelector(".trkit-reservation-status").textContent = text;
      actions.remove();
      log(reservation.sid + " " + text);
    }};
    ["accepted", "rejected", "timeout", "canceled", "rescinded", "wrapup", "completed"].forEach((name) => reservation.on(name, () => status(name)));
  }}
}}
probe().then(start, (error) => fail("The token was refused: " + error.message));
</script>
</body></html>
"""


def render_page(token: str, options: dict, sdk_url: str, post_work_activity_sid: str | None = None,
                from_number: str | None = None, set_by_taskrouter: list[str] | None = None) -> str:
    """The page for one worker's token; ``options`` are the SDK's (``ebServer``/``wsServer`` on the mock);
    ``set_by_taskrouter`` names the activities the page offers no button for."""
    return PAGE.format(token=json.dumps(token), options=json.dumps(options), sdk_url=html.escape(sdk_url),
                       post_work=json.dumps(post_work_activity_sid), from_number=json.dumps(from_number),
                       set_by_taskrouter=json.dumps(sorted(set_by_taskrouter or [])))


def activities_set_by_taskrouter(workspace) -> list[str]:
    """The activities TaskRouter puts a worker in when reserving and assigning (each queue names its own):
    a worker who picked one by hand would look busy with nothing to do."""
    names = set()
    for queue in workspace.task_queues.list():
        names.update(n for n in (queue.reservation_activity_name, queue.assignment_activity_name) if n)
    return sorted(names)


def sdk_missing() -> str | None:
    """Why the page cannot load the SDK, or None when it is in place."""
    if SDK.exists():
        return None
    return (f"The worker SDK is not installed ({SDK.relative_to(ROOT)} is missing): ./run lab installs it "
            "(npm ci --prefix agent, then npm run build --prefix agent), which needs Node.js's npm.")
