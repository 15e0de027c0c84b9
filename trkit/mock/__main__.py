"""``python -m trkit.mock``: serve the mock TaskRouter until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .engine import FINISHED_TASK_LIFETIME
from .server import MockServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trkit.mock", description="Serve the bundled mock TaskRouter.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--db", default=":memory:", help="SQLite file for the state (default: in memory)")
    parser.add_argument("--account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID"))
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN"))
    parser.add_argument("--seed", type=int, default=None, help="make generated SIDs repeatable")
    parser.add_argument("--finished-task-lifetime", type=float, default=FINISHED_TASK_LIFETIME, metavar="SECONDS",
                        help="delete canceled and completed tasks this long after they finish, on the mock clock "
                             "(default 300, as TaskRouter's 'about 5 minutes'; 0 keeps them)")
    options = parser.parse_args(argv)
    server = MockServer(db_path=options.db, host=options.host, port=options.port,
                        account_sid=options.account_sid, auth_token=options.auth_token, seed=options.seed,
                        finished_task_lifetime=options.finished_task_lifetime or None)

    def stop(signum, frame):
        threading.Thread(target=server._server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"trkit mock TaskRouter listening on {server.base_url} (account {server.account_sid})", flush=True)
    server.serve_forever()
    server.dispatcher.shutdown()
    server.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
