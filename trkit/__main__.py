"""``python -m trkit``: open the kit in JupyterLab, tour it in a terminal, or manage the shared mock."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_until_interrupted(command: list[str], on_mock: bool) -> int:
    """Run JupyterLab until it exits. Ctrl-C stops it (it shuts itself down) without a traceback here; a
    SIGTERM or SIGHUP (a closed terminal, ``kill``) is passed on to it, so it never outlives this command."""
    import signal

    process = subprocess.Popen(command)

    def pass_on(signum, frame) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, pass_on) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            try:
                code = process.wait()
                break
            except KeyboardInterrupt:  # the same Ctrl-C reached JupyterLab: let it finish shutting down
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if on_mock:
        print("JupyterLab has stopped. The bundled mock keeps running, with its state, for the next session: "
              "`.venv/bin/python -m trkit mock stop` stops it.")
    return code


FIRST_NOTEBOOK = "00_setup_workspace.ipynb"
NO_POP_UPS = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # news, updates


def lab_command(notebooks: Path, port: int, first: str = FIRST_NOTEBOOK) -> list[str]:
    """JupyterLab on the notebooks, opened on ``first`` (notebook 00 unless told), without the news and update
    pop-ups (and without a DeprecationWarning the learner can do nothing about: trkit.lab_server)."""
    return [sys.executable, "-m", "trkit.lab_server", f"--port={port}", f"--ServerApp.root_dir={notebooks}",
            f"--LabApp.default_url=/lab/tree/{first}", *NO_POP_UPS]


def notebook_to_open(asked: str | None, notebooks: Path) -> str:
    """The lesson notebook ``./run lab NOTEBOOK`` names (``notebooks/05_receive_a_call.ipynb``, its file name, or
    its number ``05``), or notebook 00; a name that is none of them is refused in one line naming the choices."""
    if asked is None:
        return FIRST_NOTEBOOK
    lessons = sorted(p.name for p in notebooks.glob("[0-9][0-9]_*.ipynb"))
    name = Path(asked).name
    found = [n for n in lessons if n == name or n.split("_", 1)[0] == name]
    if not found:
        raise SystemExit(f"no lesson notebook {asked!r}: choose one of {', '.join(lessons)}")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trkit")
    sub = parser.add_subparsers(dest="command", required=True)
    lab = sub.add_parser("lab", help="start the shared mock and open JupyterLab on the notebooks")
    lab.add_argument("notebook", nargs="?", help="the notebook to open (e.g. notebooks/05_receive_a_call.ipynb); 00 by default")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true")
    sub.add_parser("tour", help="run the quickstart's lifecycle in the terminal and print the tables")
    mock = sub.add_parser("mock", help="show or stop the shared mock")
    mock.add_argument("action", choices=["status", "start", "stop"])
    options, extra = parser.parse_known_args(argv)

    if options.command == "lab":
        from .backend import choose_backend
        from .shared_mock import ensure_shared_mock

        notebooks = ROOT / "notebooks"
        first = notebook_to_open(options.notebook, notebooks)  # a wrong name is refused before anything starts
        if choose_backend() == "mock":
            shared = ensure_shared_mock()
            print(f"Bundled mock TaskRouter running at {shared.url}")
        command = lab_command(notebooks, options.port, first)
        if options.no_browser:
            command.append("--no-browser")
        if os.geteuid() == 0:
            command.append("--allow-root")
        return run_until_interrupted(command + extra, on_mock=choose_backend() == "mock")
    if options.command == "tour":
        from .backend import connect
        from .tour import run_tour

        kit = connect()
        try:
            run_tour(kit)
        finally:
            kit.close()
        return 0
    from .shared_mock import ensure_shared_mock, stop_shared_mock, trkit_home

    if options.action == "stop":
        print("stopped" if stop_shared_mock() else "no shared mock was running")
    else:
        shared = ensure_shared_mock()
        print(f"shared mock at {shared.url} (pid {shared.pid}, state in {shared.db_path}, home {trkit_home()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
