import json

from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/assignment_callback", methods=["POST"])
def assignment_callback():
    """Answer TaskRouter's assignment callback: accept the reservation."""
    answer = {"instruction": "accept"}
    return Response(json.dumps(answer), status=200, mimetype="application/json")
