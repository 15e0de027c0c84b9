"""Every message the kit can show a learner, and its fix: the README's troubleshooting section is
written from this list (``python -m trkit.troubles``), and a test checks the list against the code's
own messages both ways, so neither can drift from the other. ``…`` stands for the varying part."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trouble:
    message: str  # as the learner sees it, "…" where it varies
    fix: str


TROUBLES = (
    # connecting
    Trouble("Unknown backend …: use 'mock' or 'twilio'.",
            "Set `TRKIT_BACKEND` to `mock` or `twilio`, or unset it (the mock, unless both Twilio credentials are set)."),
    Trouble("… is set but … is not: set both to use real Twilio, or unset … to use the bundled mock.",
            "Export both `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN`, or neither."),
    Trouble("Real Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment.",
            "You asked for real Twilio (`TRKIT_BACKEND=twilio`): export both credentials first."),
    Trouble("TaskRouter said (error …): …",
            "Twilio's (or the mock's) own error and code; the arrow line under it says what to do. "
            "Error 20003: the credentials are wrong. Error 20404: a SID from another workspace or a deleted one; "
            "re-run the setup cell."),
    Trouble("Could not reach Twilio (…): check the network or proxy, …",
            "Each request to Twilio gives up after 15 s (`TRKIT_TWILIO_TIMEOUT`); fix the network or proxy, or unset the "
            "credentials to use the bundled mock."),
    Trouble("Nothing answers at …: the bundled mock has stopped, or the network is down.",
            "`kit = trkit.connect()` starts the mock again with its state; `.venv/bin/python -m trkit mock status` shows it. "
            "The dashboard shows the same message and clears it once the mock answers again."),
    Trouble("trkit: restarting the mock with a private auth token (it ran with one other users could know)",
            "An older trkit started your mock with the published token `trkit-mock-auth-token`; it now runs with your own, "
            "and your state is kept. A kernel connected before still holds the old token (its requests answer error 20003): "
            "restart it (Kernel ▸ Restart Kernel) and run the notebook again."),
    Trouble("trkit: moved it to …; the mock starts with a new state",
            "The mock would not use the state file in your trkit home; the line above says why (damaged, or written by an "
            "older or newer trkit). The file is kept under the name shown; run the notebooks from the setup notebook to "
            "build the workspace again."),
    Trouble("The bundled mock did not start; see … for why.",
            "Read the log it names (usually a port or disk problem); `.venv/bin/python -m trkit mock stop`, then connect again."),
    Trouble("The bundled mock started but does not answer at …; see ….",
            "Another program may hold the port, or a proxy intercepts loopback: set `NO_PROXY=127.0.0.1,localhost`."),
    Trouble("Real mode needs pyngrok to expose the callback server: pip install pyngrok",
            "Install pyngrok, or pass `public_url=` to `connect()` if your callback server is reachable already."),
    Trouble("The tunnel cannot start: set NGROK_AUTHTOKEN …",
            "Export `NGROK_AUTHTOKEN` from your free ngrok account, or pass `public_url=`."),
    Trouble("The ngrok tunnel could not start: …. Check NGROK_AUTHTOKEN and your network.",
            "The reason is pyngrok's; a wrong authtoken is the usual one."),
    # during a lesson
    Trouble("Waited … s for …, in vain.",
            "The message goes on with how things stand and the likely causes: no available worker, callbacks going "
            "elsewhere, or what `kit.explain(task_sid)` says about the waiting task."),
    Trouble("⚠ … kit.tutorial(reset=False) takes them back.",
            "Another kernel (a second notebook, the dashboard page, the terminal tour) took the tutorial's callbacks; "
            "the message says where they go now. Run `kit.tutorial(reset=False)` here to take them back."),
    Trouble("The tutorial's assignment callbacks go to …, not to this kernel.",
            "As above; \"where nothing listens any more\" means the process that took them has stopped or restarted."),
    Trouble("The tutorial workflow has no assignment callback URL any more (a process that took it exited).",
            "Run `kit.tutorial(reset=False)`."),
    Trouble("No assignment callback has arrived yet: is a worker available for the task?",
            "Make an eligible worker available (Idle); `kit.explain(task_sid)` says who could take the task."),
    Trouble("There is no lifecycle called …: ask for ….",
            "`kit.lifecycle_diagram()` draws the Task's lifecycle; `kit.lifecycle_diagram(\"Reservation\")` the Reservation's."),
    Trouble("There is no task yet: create one first.", "`tutorial.create_task(\"es\")`, then ask again."),
    Trouble("Only the bundled mock has a control plane (clock, reset, seed); on real Twilio, time passes by itself.",
            "On real Twilio, wait (`time.sleep`) instead of `kit.advance`."),
    Trouble("TRKIT_BROWSER_PROXY=… is not a choice: use auto, off, on or the Jupyter server's base URL (/…/).",
            "Unset it (auto), or give `off`, `on` or the base URL your Jupyter server runs under, ending in `/`."),
    Trouble("Your browser reaches the kernel's pages only through the Jupyter server here: pip install "
            "jupyter-server-proxy and restart the server, or set TRKIT_BROWSER_PROXY=off.",
            "On a JupyterHub or Binder the agent page and the dashboard's graph go through jupyter-server-proxy "
            "(in requirements.txt); install it in the server's environment and restart the server."),
    Trouble("NameError: … → An earlier cell makes it. After a kernel restart every variable is gone: …",
            "Run the notebook from its first cell (Run ▸ Run All Cells)."),
    # the phone lessons
    Trouble("The phone lessons need your Twilio number: set TWILIO_PHONE_NUMBER (E.164, like +15551234567).",
            "On real Twilio, export the voice-capable number you bought or reuse; the kit points its Voice URL at your handler."),
    Trouble("No call has asked your routes for TwiML yet: is the number's voice_url pointed at them?",
            "Point the number at your route: `number.update(voice_url=kit.serve(app) + \"/incoming_call\")`, then call it."),
    Trouble("No call is ringing …: is a reservation's dequeue under way?",
            "The worker's phone rings only after the assignment callback answered `dequeue` (or a `call`); check "
            "`kit.callbacks_table()` and the worker's `contact_uri`."),
    Trouble("Call … is ……, so no key can be pressed on it. A <Gather> listens for its timeout, five seconds unless it "
            "says otherwise: dial and press in one step, kit.phone.call(press=…).",
            "A caller answers a menu while the prompts play: `call = kit.phone.call(press=\"1\")` dials and presses in one "
            "cell. A key pressed cells later finds the `<Gather>` timed out and the call over, as on a real phone."),
    Trouble("Decline the call on the phone at … yourself.", "On real Twilio the phones are real: decline it there."),
    Trouble("Real phones do what their owners do: only the bundled mock's phones can be told how to behave.",
            "On real Twilio, answer or let it ring yourself; `kit.phone.behave` is for the mock's phones."),
    Trouble("☎ …", "On real Twilio, `kit.phone` asks you to act on your phone (call, press, answer, hang up) and waits "
                   "up to 120 s until Twilio shows it happened."),
    Trouble("A busy hour moves the mock's clock: on real Twilio, make the traffic yourself.",
            "On real Twilio, create tasks and move workers yourself; the wallboard draws them the same way."),
    Trouble("TaskRouter request failed: …. A list call with a bad filter value fails this way; check the filter.",
            "A filter value the twilio library could not send (for example a status that does not exist)."),
)


def markdown() -> str:
    """The README's troubleshooting section body."""
    lines = ["| The kit says | What to do |", "|---|---|"]
    for trouble in TROUBLES:
        message, fix = (text.replace("|", "\\|") for text in (trouble.message, trouble.fix))
        lines.append(f"| `{message}` | {fix} |")
    return "\n".join(lines) + "\n"


START, END = "<!-- troubleshooting: python -m trkit.troubles writes this table -->", "<!-- end of troubleshooting -->"


def write_readme(path) -> bool:
    """Put the table between the README's markers; True when the file changed."""
    from pathlib import Path

    readme = Path(path)
    text = readme.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + START + "\n" + markdown() + END + tail
    if new != text:
        readme.write_text(new)
    return new != text


if __name__ == "__main__":
    from pathlib import Path

    changed = write_readme(Path(__file__).resolve().parent.parent / "README.md")
    print("README.md troubleshooting table " + ("rewritten" if changed else "already up to date"))
