"""The kit learners touch: backend choice, shared mock, tutorial setup, callback server, tables, dashboard."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
import requests
from helpers import connect_as_real_twilio
from twilio.request_validator import RequestValidator

from trkit.backend import choose_backend, connect
from trkit.callback_server import CallbackServer
from trkit.errors import KitError, explain
from trkit.mock.client import LocalHttpClient, mock_client
from trkit.shared_mock import stop_shared_mock


def test_backend_choice(monkeypatch):
    monkeypatch.delenv("TRKIT_BACKEND", raising=False)
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert choose_backend() == "mock"
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "a" * 32)
    with pytest.raises(KitError, match="^TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not: set both to use real Twilio, "
                                       "or unset TWILIO_ACCOUNT_SID to use the bundled mock.$"):
        choose_backend()  # half set is neither backend: said, never a silent mock
    assert choose_backend("mock") == "mock"
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x")
    assert choose_backend() == "twilio"
    assert choose_backend("mock") == "mock"
    monkeypatch.setenv("TRKIT_BACKEND", "mock")
    assert choose_backend() == "mock"
    with pytest.raises(KitError):
        choose_backend("aws")


def test_mock_mode_never_imports_pyngrok(trkit_home):
    script = textwrap.dedent("""
        import sys, trkit.backend as k
        kit = k.connect()
        tutorial = kit.tutorial()
        tutorial.create_task("es"); tutorial.set_activity("Alice", "Idle")
        kit.dashboard().close(); kit.close()
        print("pyngrok" in sys.modules)
    """)
    env = {**os.environ, "TRKIT_HOME": str(trkit_home)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_two_processes_share_one_mock_and_see_the_same_workspace(trkit_home):
    script = "import trkit.backend as k; kit = k.connect(); t = kit.tutorial(reset=False); print(kit.mock_url, t.workspace_sid, t.workers['Alice']); kit.close()"
    env = {**os.environ, "TRKIT_HOME": str(trkit_home)}
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.split() == second.stdout.split()


def test_a_dead_shared_mock_is_restarted_on_the_same_state(trkit_home):
    kit = connect()
    sid = kit.tutorial().workspace_sid
    old_pid = json.loads((trkit_home / "mock.json").read_text())["pid"]
    kit.close()
    assert stop_shared_mock(trkit_home)
    again = connect()
    # a new process answers, with the state the old one left
    assert json.loads((trkit_home / "mock.json").read_text())["pid"] != old_pid
    assert requests.get(again.mock_url + "/mock/clock", auth=(again.account_sid, again._auth_token), timeout=5).status_code == 200
    assert again.tutorial(reset=False).workspace_sid == sid


def test_setup_is_idempotent(kit):
    first = kit.tutorial()
    second = kit.tutorial()
    assert first == second
    workspaces = kit.client.taskrouter.v1.workspaces.list(friendly_name="trkit TaskRouter Quickstart")
    assert len(workspaces) == 1
    api = first.workspace
    assert sorted(w.friendly_name for w in api.workers.list()) == ["Alice", "Bob"]
    assert len(api.task_queues.list()) == 2 and len(api.workflows.list()) == 1
    assert {a.friendly_name for a in api.activities.list()} >= {"Offline", "Idle", "Busy", "Reserved"}
    workflow = api.workflows(first.workflow_sid).fetch()
    assert workflow.assignment_callback_url == kit.callbacks.assignment_url
    assert api.fetch().event_callback_url == kit.callbacks.events_url


def test_tables_after_the_seed_scenario(kit):
    tutorial = kit.tutorial()
    task = tutorial.create_task("es")
    assert list(kit.tasks_table()["Status"]) == ["pending"]
    tutorial.set_activity("Alice", "Idle")
    workers = kit.workers_table()
    assert list(workers.columns) == ["Worker", "Activity", "Available", "Attributes", "SID"]
    assert dict(zip(workers["Worker"], workers["Activity"], strict=True)) == {"Alice": "Reserved", "Bob": "Offline"}
    tasks = kit.tasks_table()
    assert list(tasks.columns) == ["Task", "Status", "Queue", "Priority", "Age", "Attributes", "Reason"]
    assert tasks.iloc[0].to_dict()["Status"] == "reserved" and tasks.iloc[0]["Queue"] == "Customer Care Requests - Spanish"
    reservations = kit.reservations_table()
    assert list(reservations.columns) == ["Reservation", "Status", "Worker", "Task", "Created", "Updated"]
    assert (reservations.iloc[0]["Status"], reservations.iloc[0]["Worker"], reservations.iloc[0]["Task"]) == ("pending", "Alice", task.sid)
    params = kit.last_assignment_callback()
    assert set(params["Parameter"]) >= {"TaskSid", "WorkerSid", "ReservationSid", "TaskAttributes", "WorkerAttributes"}
    events = kit.events_table()
    assert {"task.created", "reservation.created", "worker.activity.update"} <= set(events["Event"])
    callbacks = kit.callbacks_table()
    assert "assignment" in set(callbacks["Kind"]) and set(callbacks["Signature"]) == {"valid signature"}
    assert list(kit.queues_table()["Queue"]) == ["Customer Care Requests - Spanish", "Customer Care Requests - English"]
    assert list(kit.workflow_table()["Filter"]) == ["Language - Spanish", "Language - English", "Default Filter"]
    for frame in (workers, tasks, reservations, events, callbacks):
        assert kit._auth_token not in frame.to_string()


@pytest.mark.parametrize("instruction,expected", [
    (None, "reserved"), ("accept", "assigned"), ({"instruction": "accept"}, "assigned"),
    (lambda reservation: {"instruction": "accept"} if reservation["TaskAttributes"]["selected_language"] == "es" else None, "assigned"),
])
def test_instruction_answers_end_to_end(kit, instruction, expected):
    tutorial = kit.tutorial()
    kit.callbacks.instruction = instruction
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    assert tutorial.workspace.tasks(task.sid).fetch().assignment_status == expected


def test_reject_instruction_moves_to_the_next_worker(kit):
    tutorial = kit.tutorial()
    offline = tutorial.activities["Offline"]
    kit.callbacks.instruction = lambda r: {"instruction": "reject", "activity_sid": offline} if r["WorkerSid"] == tutorial.workers["Alice"] else "accept"
    task = tutorial.create_task("en")
    tutorial.set_activity("Alice", "Idle")
    tutorial.set_activity("Bob", "Idle")
    statuses = {r.worker_name: r.reservation_status for r in tutorial.workspace.tasks(task.sid).reservations.list()}
    assert statuses == {"Alice": "rejected", "Bob": "accepted"}


def test_callback_server_takes_a_signature_over_the_public_url_with_or_without_its_port():
    """Behind a tunnel TaskRouter signs the public URL; the twilio library's validator also takes it with its
    default port written out or left out (Twilio's own signing varies there), and so does the kit."""
    server = CallbackServer("secret-token").start()
    try:
        server.public_url = "https://abc.example.org"
        params = {"TaskSid": "WT" + "1" * 32, "EventType": "task.created"}
        local = f"{server.local_url}/events"
        for signed_url in ("https://abc.example.org/events", "https://abc.example.org:443/events"):
            signature = RequestValidator("secret-token").compute_signature(signed_url, params)
            assert requests.post(local, data=params, headers={"X-Twilio-Signature": signature}, timeout=5).status_code == 204
        wrong_port = RequestValidator("secret-token").compute_signature("https://abc.example.org:8443/events", params)
        assert requests.post(local, data=params, headers={"X-Twilio-Signature": wrong_port}, timeout=5).status_code == 403
        assert [r.verdict for r in server.records] == ["valid signature", "valid signature", "forged signature"]
        assert [(r.kind, r.status) for r in server.records] == [("event", 204), ("event", 204), ("event", 403)]
    finally:
        server.stop()


def test_callback_server_refuses_unsigned_forged_and_replayed_requests():
    server = CallbackServer("secret-token").start()
    try:
        params = {"TaskSid": "WT" + "1" * 32, "ReservationSid": "WR" + "1" * 32}
        validator = RequestValidator("secret-token")
        good = requests.post(server.assignment_url, data=params, headers={"X-Twilio-Signature": validator.compute_signature(server.assignment_url, params)}, timeout=5)
        assert good.status_code == 200 and good.json() == {}
        unsigned = requests.post(server.assignment_url, data=params, timeout=5)
        forged = requests.post(server.assignment_url, data=params, headers={"X-Twilio-Signature": RequestValidator("guess").compute_signature(server.assignment_url, params)}, timeout=5)
        replayed = requests.post(server.assignment_url, data=params, headers={"X-Twilio-Signature": validator.compute_signature(server.events_url, params)}, timeout=5)
        tampered = requests.post(server.assignment_url, data={**params, "TaskSid": "WT" + "2" * 32},
                                 headers={"X-Twilio-Signature": validator.compute_signature(server.assignment_url, params)}, timeout=5)
        assert [r.status_code for r in (unsigned, forged, replayed, tampered)] == [403, 403, 403, 403]
        assert [r.verdict for r in server.records] == ["valid signature", "missing signature", "forged signature", "forged signature", "forged signature"]
        server.stop()
        assert not server.running
        server.restart()
        assert requests.get(server.local_url, timeout=5).ok
    finally:
        server.stop()


def test_real_mode_against_the_mock_with_the_tunnel_replaced(mock, monkeypatch, trkit_home):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", mock.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", mock.auth_token)
    opened = []

    def fake_tunnel(port: int) -> str:
        opened.append(port)
        return f"http://127.0.0.1:{port}"  # stands in for the public https URL ngrok would give

    kit = connect(tunnel=fake_tunnel, http_client=LocalHttpClient(mock.base_url))
    assert kit.mode == "twilio" and opened == [kit.callbacks.port]
    first = kit.tutorial()
    tutorial = kit.tutorial()
    assert tutorial == first  # found and reused on Twilio, never duplicated
    assert len(kit.client.taskrouter.v1.workspaces.list(friendly_name="trkit TaskRouter Quickstart")) == 1
    assert tutorial.workspace.workflows(tutorial.workflow_sid).fetch().assignment_callback_url == f"http://127.0.0.1:{opened[0]}/assignment"
    kit.callbacks.instruction = "accept"
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    assert kit.wait_for(lambda: tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned")
    assert kit.callbacks.assignment_requests()[0].verdict == "valid signature"
    with pytest.raises(KitError):
        kit.advance(10)
    assert "$TWILIO_AUTH_TOKEN" in kit.curl("GET", "/v1/Workspaces") and mock.auth_token not in kit.curl("GET", "/v1/Workspaces")


def test_real_mode_tunnel_failure_is_a_clear_message(mock, monkeypatch, trkit_home):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", mock.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", mock.auth_token)
    monkeypatch.delenv("NGROK_AUTHTOKEN", raising=False)
    monkeypatch.delenv("NGROK_AUTH_TOKEN", raising=False)
    with pytest.raises(KitError, match="NGROK_AUTHTOKEN"):
        connect(http_client=LocalHttpClient(mock.base_url))


def test_real_mode_refused_credentials_are_said_at_connect_in_one_line(mock, monkeypatch, trkit_home):
    with pytest.raises(KitError) as info:
        connect_as_real_twilio(mock, monkeypatch, TWILIO_AUTH_TOKEN="not-the-token")
    assert "(error 20003)" in str(info.value) and "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in str(info.value)
    assert "\n" not in str(info.value)


def test_real_mode_gives_up_on_a_silent_proxy(monkeypatch, trkit_home):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections and never answers
    try:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "a" * 32)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t")
        monkeypatch.setenv("TRKIT_TWILIO_TIMEOUT", "0.5")
        with pytest.raises(KitError, match=r"^Could not reach Twilio \((ReadTimeout|Timeout|TwilioRestException|ConnectionError)"):
            connect(tunnel=lambda port: f"http://127.0.0.1:{port}",
                    http_client=LocalHttpClient(f"http://127.0.0.1:{silent.getsockname()[1]}"))
    finally:
        silent.close()


def test_dashboard_drives_the_mock(kit):
    tutorial = kit.tutorial()
    board = kit.dashboard()
    try:
        board.language.value = "es"
        board.create_button.click()
        (task,) = tutorial.workspace.tasks.list()
        board.worker_dropdowns["Alice"].value = "Idle"
        assert tutorial.workspace.workers(tutorial.workers["Alice"]).fetch().activity_name == "Reserved"
        (reservation_sid,) = board.reservation_buttons
        board.reservation_buttons[reservation_sid][0].click()  # Accept
        assert tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned"
        assert board.worker_dropdowns["Alice"].value == "Busy"
        assert "assigned" in board.tasks_html.value
        assert "<table" in board.snapshot_html()
        board.worker_dropdowns["Bob"].value = "Idle"
        board.language.value = "en"
        board.create_button.click()
        (reservation_sid,) = board.reservation_buttons
        board.reservation_buttons[reservation_sid][1].click()  # Reject
        assert tutorial.workspace.workers(tutorial.workers["Bob"]).fetch().activity_name == "Offline"
    finally:
        board.close()


def test_dashboard_explain_button(kit):
    tutorial = kit.tutorial()
    board = kit.dashboard()
    try:
        board.create_button.click()
        (task_sid,) = board.explain_buttons
        board.explain_buttons[task_sid].click()
        assert "No available worker matches" in board.explain_html.value and "Alice" in board.explain_html.value
        assert tutorial.workspace.tasks(task_sid).fetch().assignment_status == "pending"
    finally:
        board.close()


def test_dashboard_refreshes_itself_on_callbacks(kit):
    tutorial = kit.tutorial()
    board = kit.dashboard()
    try:
        task = tutorial.create_task("es")
        tutorial.set_activity("Alice", "Idle")  # done outside the board: its event callbacks trigger a refresh
        assert kit.wait_for(lambda: task.sid in board.tasks_html.value and board.reservation_buttons, timeout=10)
    finally:
        board.close()


def test_errors_are_explained_briefly(kit):
    from twilio.base.exceptions import TwilioRestException

    tutorial = kit.tutorial()
    with pytest.raises(TwilioRestException) as info:
        tutorial.workspace.workers.create(friendly_name="Alice")
    message = explain(info.value)
    assert message.startswith("TaskRouter said (error 20001)") and "already used" in message
    assert "Traceback" not in message
    board = kit.dashboard()
    try:
        board._guard(board.answer, "WT" + "0" * 32, "WR" + "0" * 32, "accepted")
        assert "20404" in board.message.value
    finally:
        board.close()


def test_clock_moves_only_on_the_mock(kit):
    before = kit.mock.clock()["offset_seconds"]
    after = kit.advance(3600)
    assert kit.mock.clock()["offset_seconds"] - before == pytest.approx(3600, abs=0.5)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", after), after
    with pytest.raises(KitError, match="^The mock refused /mock/clock: Advance must be between 0 and 2592000 seconds, got -5.0$"):
        kit.advance(-5)  # the mock's refusal, in one readable line


def test_wait_for_raises_saying_what_it_waited_for_how_things_stand_and_why(kit):
    tutorial = kit.tutorial()
    task = tutorial.create_task("es")
    with pytest.raises(KitError) as info:
        kit.wait_for(lambda: tutorial.pending_reservations(task.sid), timeout=0.3, every=0.1)
    message = str(info.value)
    assert message.startswith("Waited 0.3 s for tutorial.pending_reservations(task.sid), in vain.")
    assert "Alice is Offline" in message and f"task {task.sid} is pending" in message
    assert "no worker is in an available activity" in message
    assert f"kit.explain('{task.sid}') says:" in message
    # and what it waited for, once true, is what it returns
    tutorial.set_activity("Alice", "Idle")
    assert [r.worker_name for r in kit.wait_for(lambda: tutorial.pending_reservations(task.sid))] == ["Alice"]


def test_wait_for_names_a_callback_receiver_that_is_not_this_kernel(kit):
    tutorial = kit.tutorial()
    tutorial.workspace.workflows(tutorial.workflow_sid).update(assignment_callback_url="http://127.0.0.1:9/elsewhere")
    tutorial.set_activity("Alice", "Idle")
    task = tutorial.create_task("es")
    with pytest.raises(KitError) as raised:
        kit.wait_for(lambda: tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned", timeout=0.2,
                     what="the task to be assigned")
    message = str(raised.value)
    assert "callbacks go to http://127.0.0.1:9/elsewhere, where nothing listens any more" in message
    assert "kit.tutorial(reset=False) takes them back" in message
    # the mock's log marks the delivery that reached nobody, and the kit says so
    assert "1 callback(s) reached nobody, the last to http://127.0.0.1:9/elsewhere" in message


def test_connects_own_failure_is_a_short_message_in_a_notebook(monkeypatch, trkit_home, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "a" * 32)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("TRKIT_BACKEND", raising=False)
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("import trkit\nkit = trkit.connect()")  # the very first cell fails, half-set credentials
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()
    out = capsys.readouterr()
    assert "TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not" in out.out
    assert "Traceback" not in out.out + out.err


def test_a_stopped_mock_is_one_short_message_naming_the_fix(trkit_home, capsys):
    import socket

    from IPython.core.interactiveshell import InteractiveShell

    from trkit.errors import install_notebook_handler

    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()  # nothing listens there any more: a mock that has stopped
    shell = InteractiveShell.instance()
    try:
        assert install_notebook_handler()
        shell.user_ns["client"] = mock_client(f"http://127.0.0.1:{port}", "AC" + "0" * 31 + "1", "token")
        shell.run_cell("client.taskrouter.v1.workspaces.list()")
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()
    out = capsys.readouterr()
    assert f"Nothing answers at http://127.0.0.1:{port}: the bundled mock has stopped" in out.out
    assert "kit = trkit.connect()` starts the mock again" in out.out
    assert "Traceback" not in out.out + out.err


def test_callbacks_taken_over_by_another_process_are_said_and_given_back_when_it_exits(kit):
    from trkit.callback_server import CallbackServer
    from trkit.kit import Kit

    kit.tutorial()
    assert kit.callback_receiver().startswith("This kernel receives the tutorial's callbacks")
    # a second process (the Voilà dashboard, the terminal tour) connects and takes the callbacks over
    tour = Kit("mock", kit.client, kit.account_sid, kit._auth_token, kit.base_url,
               CallbackServer(kit._auth_token).start(), mock_url=kit.mock_url)
    tour.tutorial(reset=False)
    taken = kit.callback_receiver()
    assert f"go to {tour.callbacks.assignment_url}, not to this kernel" in taken and "kit.tutorial(reset=False) takes them back" in taken
    tour.close()  # the tour exits: the callbacks come back to the kernel that had them, which still answers
    assert kit.callback_receiver().startswith("This kernel receives the tutorial's callbacks")
    workspace = kit.tutorial(reset=False).workspace
    assert workspace.fetch().event_callback_url == kit.callbacks.events_url


def test_callbacks_of_an_exited_process_are_cleared_when_nobody_had_them_alive(kit):
    from trkit.callback_server import CallbackServer
    from trkit.kit import Kit

    tutorial = kit.tutorial()
    kit.callbacks.stop()  # the notebook's kernel is gone
    tour = Kit("mock", kit.client, kit.account_sid, kit._auth_token, kit.base_url,
               CallbackServer(kit._auth_token).start(), mock_url=kit.mock_url)
    tour.tutorial(reset=False)
    tour.close()
    workflow = tutorial.workspace.workflows(tutorial.workflow_sid).fetch()
    assert workflow.assignment_callback_url is None  # nobody: not a dead port
    assert tutorial.workspace.fetch().event_callback_url is None


def test_the_dashboard_says_when_the_mock_stops_answering_and_clears_it_when_it_is_back(kit):
    board = kit.dashboard()
    try:
        board.close()  # its own thread is stopped: polls are driven here
        answering = board.refresh

        def stopped():
            raise requests.exceptions.ConnectionError("refused")

        board.refresh = stopped
        board.poll_once()
        assert "the bundled mock has stopped" in board.message.value and "kit = trkit.connect()" in board.message.value
        board.refresh = answering
        board.poll_once()
        assert board.message.value == ""
    finally:
        board.close()


def test_a_restarted_mock_takes_its_old_port_so_what_a_notebook_made_keeps_working(trkit_home):
    """Doing what the stopped-mock message says (kit = trkit.connect()) must make the next cell work, the
    notebook's `tutorial` included, which holds the old kit's client."""
    kit = connect()
    tutorial = kit.tutorial()
    url = kit.mock_url
    assert stop_shared_mock(trkit_home)
    again = connect()
    assert again.mock_url == url
    task = tutorial.create_task("es")  # the old object, through the old client
    assert again.tasks_table()["Task"].tolist() == [task.sid]


def test_wait_for_names_the_answer_taskrouter_could_not_act_on_not_advice_the_state_contradicts(kit):
    tutorial = kit.tutorial()
    kit.callbacks.instruction = {"instruction": "acept"}  # the kit's handler answers a typo
    tutorial.set_activity("Alice", "Idle")
    task = tutorial.create_task("es")
    with pytest.raises(KitError) as raised:
        kit.wait_for(lambda: tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned", timeout=0.2)
    message = str(raised.value)
    likely = message.split("Likely: ", 1)[1]
    assert likely.startswith("the kit's handler's last answer was {\"instruction\": \"acept\"}: TaskRouter reads it as "
                             "unknown instruction 'acept' (55555)")
    assert "Alice's reservation WR" in likely and f"of task {task.sid} is pending" in likely
    assert "no worker is in an available activity" not in message  # Alice is Reserved: that advice would be wrong


def test_wait_for_names_a_pending_reservation_nobody_answered(kit):
    tutorial = kit.tutorial()  # the kit's handler answers {}: no instruction (40005)
    tutorial.set_activity("Alice", "Idle")
    task = tutorial.create_task("es")
    with pytest.raises(KitError) as raised:
        kit.wait_for(lambda: tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned", timeout=0.2)
    likely = str(raised.value).split("Likely: ", 1)[1]
    assert "no instruction: reservation stays pending (40005)" in likely
    assert "Alice's reservation WR" in likely and "accept or reject it" in likely
    assert "kit.explain(" not in likely  # nothing is waiting for a worker


@pytest.mark.parametrize(("mode", "patience"), [("mock", 5), ("twilio", 15)])
def test_wait_for_gives_up_after_5_s_on_the_mock_and_15_s_on_twilio(kit, monkeypatch, mode, patience):
    """The mock routes as each request is made, so a learner is not kept waiting as long as on real Twilio."""
    from types import SimpleNamespace

    import trkit.kit
    from trkit.errors import KitError

    kit.tutorial()
    now = [0.0]
    monkeypatch.setattr(trkit.kit, "time", SimpleNamespace(monotonic=lambda: now[0],
                                                          sleep=lambda seconds: now.__setitem__(0, now[0] + seconds)))
    monkeypatch.setattr(kit, "mode", mode)
    with pytest.raises(KitError, match=rf"^Waited {patience} s for"):
        kit.wait_for(lambda: False)
    assert patience <= now[0] < patience + 0.5


def test_the_dashboard_and_the_agent_page_draw_their_tables_without_pandas():
    """The table look without pandas (trkit/html_cells.py) is what the dashboard's widgets and the agent page use."""
    import subprocess
    import sys

    code = ("import sys, trkit.dashboard, trkit.agent_page, trkit.html_cells\n"
            "assert 'pandas' not in sys.modules, 'pandas came with the widgets'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_closing_a_kit_whose_backend_is_gone_says_so_on_its_log_and_goes_on(kit, monkeypatch, caplog):
    from trkit import receiver

    kit.tutorial()

    def gone(*args, **kwargs):
        raise ConnectionError("the mock has stopped")

    monkeypatch.setattr(receiver, "give_back", gone)
    with caplog.at_level("WARNING", logger="trkit"):
        kit.close()  # nothing raised: closing goes on to stop the callback server
    assert "giving back the callbacks while closing the kit failed" in caplog.text
    assert "the mock has stopped" in caplog.text
