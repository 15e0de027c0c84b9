"""Real kernels, as a learner has them: two notebooks at once, a kernel restart.

Each kernel is a separate process with its own callback server; the shared mock is the one
the notebooks use (a private TRKIT_HOME here).
"""

from __future__ import annotations

import os

import pytest
from jupyter_client.manager import start_new_kernel

from trkit.shared_mock import stop_shared_mock


class Kernel:
    """A kernel that runs cells and answers with what they printed and returned."""

    def __init__(self, env: dict) -> None:
        self.manager, self.client = start_new_kernel(kernel_name="python3", env=env)

    def run(self, code: str, ok: bool = True) -> str:
        out: list[str] = []

        def collect(message) -> None:
            content = message["content"]
            if message["msg_type"] == "stream":
                out.append(content["text"])
            elif message["msg_type"] in ("execute_result", "display_data"):
                out.append(content["data"].get("text/plain", "") + "\n")
            elif message["msg_type"] == "error":
                out.append(f"{content['ename']}: {content['evalue']}\n")

        reply = self.client.execute_interactive(code, timeout=60, output_hook=collect)
        text = "".join(out)
        if ok:
            assert reply["content"]["status"] == "ok", text
        return text

    def restart(self) -> None:
        self.manager.restart_kernel(now=False)  # a clean exit first, as JupyterLab's Restart does
        self.client.wait_for_ready(timeout=60)

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=False)


SETUP = "import trkit\nkit = trkit.connect()\ntutorial = kit.tutorial()\n"


@pytest.fixture
def kernels(tmp_path):
    env = dict(os.environ, TRKIT_HOME=str(tmp_path / "home"), NO_PROXY="127.0.0.1,localhost")
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TRKIT_BACKEND"):
        env.pop(name, None)
    started: list[Kernel] = []

    def start() -> Kernel:
        kernel = Kernel(env)
        started.append(kernel)
        return kernel

    yield start
    for kernel in started:
        try:
            kernel.shutdown()
        except Exception:
            pass
    stop_shared_mock(tmp_path / "home")


def test_a_notebook_is_told_when_another_kernel_takes_its_callbacks_and_gets_them_back_when_it_exits(kernels):
    notebook = kernels()
    notebook.run(SETUP)
    assert notebook.run("print(kit.callback_receiver())").startswith("This kernel receives")
    dashboard = kernels()  # the Voilà page or a second notebook
    dashboard.run("import trkit\nkit = trkit.connect()\nkit.tutorial(reset=False)\nprint(kit.callbacks.base_url)")
    told = notebook.run("kit.workers_table()")
    assert "not to this kernel. kit.tutorial(reset=False) takes them back." in told, told
    dashboard.shutdown()  # its process exits: the callbacks come back to the notebook, which still answers
    assert notebook.run("print(kit.callback_receiver())").startswith("This kernel receives")
    # and they really arrive: the notebook's own handler answers the reservation
    notebook.run('tutorial.create_task("es")\ntutorial.set_activity("Alice", "Idle")')
    answered = notebook.run('print(len(kit.callbacks.assignment_requests()))')
    assert answered.strip() == "1"


def test_restarting_the_kernel_and_running_again_just_works(kernels):
    notebook = kernels()
    notebook.run(SETUP + 'task = tutorial.create_task("es")')
    notebook.restart()
    # the old kernel's callback server is gone; running the notebook again points the callbacks at the new one
    notebook.run(SETUP)
    assert notebook.run("print(kit.callback_receiver())").startswith("This kernel receives")
    notebook.run('task = tutorial.create_task("es")\ntutorial.set_activity("Alice", "Idle")')
    status = notebook.run('print(kit.wait_for(lambda: tutorial.workspace.tasks(task.sid).reservations.list()'
                          '[0].reservation_status))')
    assert status.strip() == "pending"
    assert notebook.run('print(len(kit.callbacks.assignment_requests()))').strip() == "1"


def test_after_a_restart_a_later_cell_says_to_run_the_notebook_from_its_first_cell(kernels):
    notebook = kernels()
    notebook.run(SETUP)
    notebook.restart()
    # the learner runs a later cell first; trkit is not even imported in the new kernel yet
    said = notebook.run('kit.workers_table()', ok=False)
    assert said.startswith("NameError: name 'kit' is not defined\n→ "), said
    assert "run the notebook from its first cell" in said and "Traceback" not in said
