offline = tutorial.activities["Offline"]
app = Flask(__name__)


@app.route("/assignment_callback", methods=["POST"])
def assignment_callback():
    if request.form["WorkerSid"] == tutorial.workers["Alice"]:
        answer = {"instruction": "reject", "activity_sid": offline}
    else:
        answer = {"instruction": "accept"}
    return Response(json.dumps(answer), status=200, mimetype="application/json")
