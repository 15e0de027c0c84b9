"""The catalogue of objectives and what a check answers."""

from __future__ import annotations

import html
from dataclasses import dataclass

PASS_MARK, FAIL_MARK = "✓", "✗"  # a verdict's first character, in its text and its HTML

QUICKSTART = "https://www.twilio.com/docs/taskrouter/quickstart/python"


@dataclass(frozen=True)
class Objective:
    """One thing the learner's code must do, in the notebook that teaches it."""

    name: str  # what kit.check() takes
    notebook: str
    title: str
    docs: str


OBJECTIVES: dict[str, Objective] = {o.name: o for o in (
    Objective("create-task", "01_create_a_task", "Create a Spanish task in the tutorial's workflow",
              f"{QUICKSTART}/reservations-create-task-rest"),
    Objective("accept-by-rest", "02_accept_reservation_rest", "Accept Alice's reservation by REST",
              f"{QUICKSTART}/reservations-accept-rest"),
    Objective("accept-by-instruction", "03_accept_by_instruction", "Answer the assignment callback with accept",
              f"{QUICKSTART}/reservations-accept-callback"),
    Objective("reject-into-activity", "03_accept_by_instruction", "Reject Alice's reservation into Offline, accept Bob's",
              "https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks#rejecting-a-reservation"),
    Objective("incoming-call", "05_receive_a_call", "Answer a call with a <Gather> of one key",
              f"{QUICKSTART}/twiml-receive-call"),
    Objective("enqueue-call", "06_create_task_with_enqueue", "Make a task of the call with <Enqueue workflowSid> and <Task>",
              f"{QUICKSTART}/twiml-create-task"),
    Objective("contact-uri", "07_dequeue_to_alice", "Give Alice a contact_uri TaskRouter can ring",
              f"{QUICKSTART}/twiml-dequeue-call"),
    Objective("dequeue", "07_dequeue_to_alice", "Answer dequeue, from your number, into WrapUp afterwards",
              f"{QUICKSTART}/twiml-dequeue-call"),
    Objective("access-token", "08_agent_page", "Mint Alice's access token with a TaskRouter grant",
              f"{QUICKSTART}/agent-ui-add-project"),
    # TaskRouter measures "answered within 20 s" with a queue's statistics split by wait time
    Objective("fewest-agents", "10_how_many_agents", "Pick the fewest agents that answer 80% of calls within 20 seconds",
              "https://www.twilio.com/docs/taskrouter/api/taskqueue-statistics"),
)}


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict: what it saw and, when the objective is not met, what to change."""

    objective: Objective
    passed: bool
    saw: str
    fix: str = ""

    @property
    def mark(self) -> str:
        return PASS_MARK if self.passed else FAIL_MARK

    def __repr__(self) -> str:
        lines = [f"{self.mark} {self.objective.title}", f"  Saw: {self.saw}"]
        if self.fix:
            lines.append(f"  Fix: {self.fix}")
        if not self.passed:
            lines.append(f"  Docs: {self.objective.docs}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour, background = ("#1a7f37", "#eef9f0") if self.passed else ("#b42318", "#fdf0ef")
        rows = [f"<b style='color:{colour}'>{self.mark} {html.escape(self.objective.title)}</b>",
                f"<div><b>Saw:</b> {html.escape(self.saw)}</div>"]
        if self.fix:
            rows.append(f"<div><b>Fix:</b> {html.escape(self.fix)}</div>")
        if not self.passed:
            rows.append(f"<div><a href='{self.objective.docs}' target='_blank'>The quickstart's page</a></div>")
        verdict = "trkit-check-passed" if self.passed else "trkit-check-failed"
        return (f"<div class='trkit-check {verdict}' style='border-left:4px solid {colour};background:{background};"
                f"padding:6px 10px;line-height:1.5'>{''.join(rows)}</div>")


def passed(objective: str, saw: str) -> CheckResult:
    return CheckResult(OBJECTIVES[objective], True, saw)


def failed(objective: str, saw: str, fix: str) -> CheckResult:
    return CheckResult(OBJECTIVES[objective], False, saw, fix)
