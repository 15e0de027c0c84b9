// The quickstart's lifecycle with the official Node.js twilio library, against the bundled mock.
// Usage: MOCK_URL=http://127.0.0.1:PORT TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... node lifecycle.js
// Prints one JSON line of what it saw; exits 1 at the first expectation that fails.
"use strict";
const assert = require("node:assert/strict");
const twilio = require("twilio");

const mockUrl = new URL(process.env.MOCK_URL);

// The one redirect point, as in the Python kit: every *.twilio.com request goes to the mock instead.
class MockRequestClient extends twilio.RequestClient {
  request(opts) {
    const target = new URL(opts.uri);
    if (target.hostname === "twilio.com" || target.hostname.endsWith(".twilio.com")) {
      target.protocol = mockUrl.protocol;
      target.host = mockUrl.host;
    }
    return super.request({ ...opts, uri: target.toString() });
  }
}

async function refusedWith(promise, status) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.status, status, `expected HTTP ${status}, got ${error.status}: ${error.message}`);
    return error;
  }
  assert.fail(`expected HTTP ${status}, the call succeeded`);
}

async function main() {
  const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN,
    { httpClient: new MockRequestClient() });
  const api = client.taskrouter.v1;
  const seen = {};

  const workspace = await api.workspaces.create({ friendlyName: "Node quickstart" });
  const ws = api.workspaces(workspace.sid);
  const activities = Object.fromEntries((await ws.activities.list()).map((a) => [a.friendlyName, a.sid]));
  const alice = await ws.workers.create({
    friendlyName: "Alice", attributes: JSON.stringify({ languages: ["en", "es"] }),
  });
  const queue = await ws.taskQueues.create({ friendlyName: "Spanish", targetWorkers: "languages HAS 'es'" });
  const configuration = { task_routing: { filters: [
    { expression: "selected_language == 'es'", targets: [{ queue: queue.sid }] }] } };
  const workflow = await ws.workflows.create({ friendlyName: "Sales", configuration: JSON.stringify(configuration) });

  // a task waits until Alice is available, then she is offered it
  const task = await ws.tasks.create({ workflowSid: workflow.sid, attributes: JSON.stringify({ selected_language: "es" }) });
  assert.equal(task.assignmentStatus, "pending");
  await ws.workers(alice.sid).update({ activitySid: activities.Available });
  const [reservation] = await ws.tasks(task.sid).reservations.list();
  assert.equal(reservation.reservationStatus, "pending");
  assert.equal(reservation.workerSid, alice.sid);
  seen.reserved = (await ws.tasks(task.sid).fetch()).assignmentStatus;
  assert.equal(seen.reserved, "reserved");

  // optimistic concurrency: a stale If-Match is refused with 412, a wildcard one goes through
  const stale = await refusedWith(
    ws.tasks(task.sid).update({ ifMatch: '"0"', attributes: JSON.stringify({ selected_language: "es", vip: true }) }), 412);
  seen.staleIfMatch = stale.status;

  // accept by REST: the task is assigned to Alice
  const accepted = await ws.tasks(task.sid).reservations(reservation.sid).update({ reservationStatus: "accepted" });
  assert.equal(accepted.reservationStatus, "accepted");
  seen.assigned = (await ws.tasks(task.sid).fetch()).assignmentStatus;
  assert.equal(seen.assigned, "assigned");

  // completing needs a reason; with If-Match: * it applies to whatever version is current
  await refusedWith(ws.tasks(task.sid).update({ assignmentStatus: "completed" }), 400);
  const completed = await ws.tasks(task.sid).update({ assignmentStatus: "completed", reason: "done", ifMatch: "*" });
  seen.completed = completed.assignmentStatus;
  assert.equal(seen.completed, "completed");

  // the event log tells the same story
  const types = (await ws.events.list({ taskSid: task.sid })).map((e) => e.eventType);
  for (const type of ["task.created", "reservation.created", "reservation.accepted", "task.completed"]) {
    assert.ok(types.includes(type), `event ${type} missing from ${types}`);
  }
  seen.events = types.length;

  await refusedWith(api.workspaces("WS" + "0".repeat(32)).fetch(), 404);
  await ws.remove();
  seen.removed = true;
  console.log(JSON.stringify(seen));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
