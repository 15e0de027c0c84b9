from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import TaskRouterGrant

key = kit.client.new_keys.create(friendly_name="Alice's agent page")
token = AccessToken(kit.account_sid, key.sid, key.secret, identity="alice", ttl=3600)
token.add_grant(TaskRouterGrant(workspace_sid=tutorial.workspace_sid, worker_sid=tutorial.workers["Alice"], role="worker"))
alice_token = token.to_jwt()
key.sid[:2], len(alice_token.split("."))
