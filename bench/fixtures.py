"""What trkit's pytest fixtures cost a test: a fresh mock per test, the shared mock reset per test, and no
fixture at all, each as the time per test of generated suites run by pytest in the same run (a suite of
2n tests minus one of n, each as long as pytest says its session took, so that start-up and collection cancel out); and a comparable test on trkit's fresh mock beside
one on moto's ``mock_aws``, the test double boto3 users reach for."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# a comparable test each way, three calls on a fresh double: trkit (a workspace, a task in it, the task fetched) and
# moto, the AWS one (an SQS queue, a message sent, received), each as its docs write one
HEADER = {
    "moto": "import boto3\nfrom moto import mock_aws\n\n",
}
BODY = {
    "trkit": ("def test_{n}(taskrouter):\n"
              "    workspaces = taskrouter.client.taskrouter.v1.workspaces\n"
              "    workspace = workspaces.create(friendly_name='w', template='FIFO')\n"
              "    task = workspaces(workspace.sid).tasks.create(attributes='{{\"n\":{n}}}')\n"
              "    assert workspaces(workspace.sid).tasks(task.sid).fetch().attributes == '{{\"n\":{n}}}'\n"),
    "moto": ("@mock_aws\n"
             "def test_{n}():\n"
             "    sqs = boto3.client('sqs', region_name='us-east-1')\n"
             "    url = sqs.create_queue(QueueName='q')['QueueUrl']\n"
             "    sqs.send_message(QueueUrl=url, MessageBody='{n}')\n"
             "    assert sqs.receive_message(QueueUrl=url)['Messages'][0]['Body'] == '{n}'\n"),
    "none": "def test_{n}():\n    assert True\n",
    "fresh": "def test_{n}(taskrouter):\n    assert taskrouter.client.taskrouter.v1.workspaces.list() == []\n",
    "shared": "def test_{n}(shared_taskrouter):\n    assert shared_taskrouter.client.taskrouter.v1.workspaces.list() == []\n",
}


def _session_ms(kind: str, tests: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"test_{kind}.py"
        path.write_text(HEADER.get(kind, "") + "".join(BODY[kind].format(n=n) for n in range(tests)))
        env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}  # moto's documented set-up: no real credentials reach its mock
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "trkit.testing",
                                 "--rootdir", tmp, str(path)], cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(result.stdout[-2000:])
    # pytest's own account of the session (collection, fixtures, tests), not the wall time of the process: Python's
    # and the plugins' start-up take some 3 s, whose swing from run to run (a few tenths) would be several ms a test
    return 1000 * float(re.search(r" passed in ([0-9.]+)s", result.stdout).group(1))


def _per_test_ms(kind: str, tests: int) -> float:
    """(a run of 2n tests − a run of n) / n: pytest's own start-up cancels out."""
    return (_session_ms(kind, 2 * tests) - _session_ms(kind, tests)) / tests


def fixture_cost(tests: int, rounds: int = 3, comparable_tests: int = 40) -> dict:
    """Each kind's time per test, the median of ``rounds`` interleaved rounds; the comparable tests (some 100 ms each
    on moto) in suites of ``comparable_tests`` and twice that."""
    kinds = ("none", "fresh", "shared", "trkit", "moto")
    measured: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind in kinds:
            measured[kind].append(_per_test_ms(kind, comparable_tests if kind in ("trkit", "moto") else tests))
    none, fresh, shared, trkit, moto = (statistics.median(measured[kind]) for kind in kinds)
    return {"tests": tests, "comparable_tests": comparable_tests, "rounds": rounds, "none_ms": round(none, 2), "fresh_ms": round(fresh, 2), "shared_ms": round(shared, 2),
            "fresh_over_none_ms": round(fresh - none, 2), "shared_over_none_ms": round(shared - none, 2),
            "trkit_three_calls_ms": round(trkit, 2), "moto_three_calls_ms": round(moto, 2), "trkit_vs_moto": round(trkit / moto, 2)}
