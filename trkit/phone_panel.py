"""The dashboard's phone: dial the tutorial's number, press keys, hang up, answer a worker's ringing
phone — and read what the caller heard. It drives ``kit.phone`` (the bundled mock's phone network)."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from .errors import error_html

KEYS = "123456789*0#"


class PhonePanel(widgets.VBox):
    """A caller's phone (dial, keypad, hang up), the workers' ringing phones, and the caller's transcript."""

    def __init__(self, kit: Any, on_change=None) -> None:
        self.kit = kit
        self.on_change = on_change or (lambda: None)
        self.call_sid: str | None = None
        self.dial_button = widgets.Button(description=f"Call {kit.phone_number}", icon="phone", button_style="primary",
                                          layout=widgets.Layout(width="200px"))
        self.dial_button.add_class("trkit-dial")
        self.dial_button.on_click(lambda _: self._act(self.dial))
        self.hangup_button = widgets.Button(description="Hang up", button_style="danger", layout=widgets.Layout(width="100px"))
        self.hangup_button.add_class("trkit-hangup")
        self.hangup_button.on_click(lambda _: self._act(self.hang_up))
        self.keypad: list[widgets.Button] = []
        for key in KEYS:
            button = widgets.Button(description=key, layout=widgets.Layout(width="36px"))
            button.add_class(f"trkit-key-{'star' if key == '*' else 'hash' if key == '#' else key}")
            button.on_click(lambda _, k=key: self._act(self.press, k))
            self.keypad.append(button)
        self.status = widgets.HTML()
        self.status.add_class("trkit-call-status")
        self.ringing_box = widgets.VBox()
        self.ringing_box.add_class("trkit-ringing")
        self.transcript = widgets.HTML()
        self.transcript.add_class("trkit-transcript")
        self.message = widgets.HTML()
        self.setup_note = widgets.HTML()
        self.setup_note.add_class("trkit-phone-setup")
        super().__init__(children=[
            widgets.HTML("<b>Phone</b> — a caller on the tutorial's number, and the workers' phones"),
            self.setup_note, widgets.HBox([self.dial_button, self.hangup_button, self.status]),
            widgets.HBox(self.keypad), self.ringing_box, self.transcript, self.message,
        ])
        self.add_class("trkit-phone")

    # ------------------------------------------------------------ actions
    def dial(self) -> None:
        self.call_sid = self.kit.phone.call().sid

    def press(self, key: str) -> None:
        if self.call_sid is None:
            raise ValueError(f"Press “Call {self.kit.phone_number}” first: no call is in progress")
        self.kit.phone.press(self.call_sid, key)

    def hang_up(self) -> None:
        if self.call_sid is None:
            raise ValueError("No call to hang up")
        self.kit.phone.hang_up(self.call_sid)

    def answer(self, number: str) -> None:
        self.kit.phone.answer(number)

    def decline(self, number: str) -> None:
        self.kit.phone.decline(number)

    def _act(self, action, *args) -> None:
        try:
            action(*args)
            self.message.value = ""
        except Exception as exc:
            self.message.value = error_html(exc)
        self.refresh()
        self.on_change()

    # ------------------------------------------------------------ reading
    def _show_setup(self) -> None:
        """A call needs the number's Voice URL pointed at the learner's route: until then, say which lesson does it."""
        ready = self.kit.voice_url() is not None
        self.dial_button.disabled = not ready
        self.setup_note.value = "" if ready else (
            "<span style='color:#b54708'>Your number has no Voice URL yet, so nobody answers a call: notebook 05 points it "
            "at your <code>/incoming_call</code> route (06 adds <code>&lt;Enqueue&gt;</code>, 07 the dequeue to Alice).</span>")

    def refresh(self) -> None:
        self._show_setup()
        ringing = self.kit.client.calls.list(status="ringing", limit=10)
        rows = []
        for call in ringing:
            if call.direction == "inbound":
                continue
            label = widgets.HTML(f"<span class='trkit-ringing-phone'>☎ {html.escape(call.to)} is ringing "
                                 f"(from {html.escape(call.from_formatted or '')})</span>")
            answer = widgets.Button(description="Answer", button_style="success", layout=widgets.Layout(width="90px"))
            answer.add_class("trkit-answer-phone")
            answer.on_click(lambda _, n=call.to: self._act(self.answer, n))
            decline = widgets.Button(description="Decline", layout=widgets.Layout(width="90px"))
            decline.add_class("trkit-decline-phone")
            decline.on_click(lambda _, n=call.to: self._act(self.decline, n))
            rows.append(widgets.HBox([label, answer, decline]))
        self.ringing_box.children = rows
        if self.call_sid is None:
            self.status.value = "<span class='trkit-call-state'>no call</span>"
            self.transcript.value = ""
            return
        view = self.kit.phone.show(self.call_sid)
        self.status.value = f"<span class='trkit-call-state trkit-call-{view.status}'>{html.escape(view.status)}</span>"
        lines = "".join(f"<li>{html.escape(line)}</li>" for line in view.heard)
        self.transcript.value = f"<div><i>The caller heard:</i><ol class='trkit-heard'>{lines}</ol></div>"
