import json

alice_phone = "+14155550111"  # on real Twilio: the phone that plays Alice
workspace = tutorial.workspace
found = workspace.activities.list(friendly_name="WrapUp")
wrap_up = found[0] if found else workspace.activities.create(friendly_name="WrapUp", available=False)
alice = workspace.workers(tutorial.workers["Alice"]).update(
    attributes=json.dumps({"languages": ["en", "es"], "contact_uri": alice_phone}),
)
wrap_up.friendly_name, json.loads(alice.attributes)["contact_uri"]
