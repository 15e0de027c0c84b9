import json

from flask import Flask, Response, request
from twilio.twiml.voice_response import VoiceResponse

app = Flask(__name__)


@app.route("/incoming_call", methods=["GET", "POST"])
def incoming_call():
    """Ask the caller for a language: one key, five seconds."""
    response = VoiceResponse()
    with response.gather(action="/enqueue_call", method="POST", num_digits=1, timeout=5) as gather:
        gather.say("Para Español oprime el uno.", language="es")
        gather.say("For English, please hold or press two.", language="en")
    return Response(str(response), mimetype="application/xml")


@app.route("/enqueue_call", methods=["GET", "POST"])
def enqueue_call():
    """Make a task of the call, in the tutorial's workflow, with the language the caller chose."""
    language = "es" if request.values.get("Digits") == "1" else "en"
    response = VoiceResponse()
    with response.enqueue(None, workflow_sid=tutorial.workflow_sid) as enqueue:
        enqueue.task(json.dumps({"selected_language": language}))
    return Response(str(response), mimetype="application/xml")
