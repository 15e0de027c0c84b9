"""``python -m trkit.mock``: serve the mock TaskRouter until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .client import STATE_FILE_REFUSED
from .engine import FINISHED_TASK_LIFETIME
from .engine.codec import StateFileError
from .engine.telephony import VoiceSwitches
from .server import MockServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trkit.mock", description="Serve the bundled mock TaskRouter.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--db", default=":memory:", help="SQLite file for the state (default: in memory)")
    parser.add_argument("--account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID"))
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN"),
                        help="default: $TWILIO_AUTH_TOKEN, else a fresh random token, printed once on start "
                             "(a token in the environment stays out of the process list, where every user of the host sees it)")
    parser.add_argument("--seed", type=int, default=None, help="make generated SIDs repeatable")
    parser.add_argument("--finished-task-lifetime", type=float, default=FINISHED_TASK_LIFETIME, metavar="SECONDS",
                        help="delete canceled and completed tasks this long after they finish, on the mock clock "
                             "(default 300, as TaskRouter's 'about 5 minutes'; 0 keeps them)")
    # the phone network's readings where the reference is unsure (README: The phone network)
    parser.add_argument("--caller-hangup-reason", default="hangup", help="a queued caller's hang-up cancels the task with this reason")
    parser.add_argument("--task-after-bridge", choices=("assigned", "wrapping", "completed"), default="assigned",
                        help="what a dequeued task becomes when the bridged call ends")
    parser.add_argument("--unanswered-worker-call", choices=("canceled", "pending"), default="canceled",
                        help="the reservation when the worker's phone is not answered")
    parser.add_argument("--unanswered-worker-activity", choices=("timeout", "keep"), default="timeout",
                        help="where a worker whose phone was not answered goes: the timeout activity, or stays")
    options = parser.parse_args(argv)
    voice = VoiceSwitches(caller_hangup_reason=options.caller_hangup_reason, task_after_bridge=options.task_after_bridge,
                          unanswered_worker_call=options.unanswered_worker_call,
                          unanswered_worker_activity=options.unanswered_worker_activity)
    try:
        server = MockServer(db_path=options.db, host=options.host, port=options.port,
                            account_sid=options.account_sid, auth_token=options.auth_token, seed=options.seed,
                            finished_task_lifetime=options.finished_task_lifetime or None, voice=voice)
    except StateFileError as exc:
        print(f"trkit mock: {exc}", file=sys.stderr)
        return STATE_FILE_REFUSED

    def stop(signum, frame):
        threading.Thread(target=server._server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    made_up = "" if options.auth_token else f", auth token {server.auth_token}"
    print(f"trkit mock TaskRouter listening on {server.base_url} (account {server.account_sid}{made_up})", flush=True)
    server.serve_forever()
    server.dispatcher.shutdown()
    server.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
