// Real-client compatibility test: the official Orkes TypeScript SDK
// (@io-orkes/conductor-javascript 4.0.0, unchanged) against a running Podium server.
//
// Environment: PODIUM_URL (e.g. http://127.0.0.1:8080), PODIUM_KEY_ID, PODIUM_KEY_SECRET (an
// access key of an application with the ADMIN role), and PODIUM_TOKEN_TTL, the life of the
// server's tokens (run it with e.g. PODIUM_TOKEN_TTL=3s; the token-refresh test waits that long
// and is skipped without it). The Go driver cmd/server/sdk_test.go sets all of this up.
//
// The tests in this file run in order and share one client; each depends on the ones before.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";

// The SDK lets CONDUCTOR_* variables override the config passed in code: clear them first.
for (const name of Object.keys(process.env)) {
  if (name.startsWith("CONDUCTOR_")) delete process.env[name];
}

const { OrkesClients, TaskManager } = await import("@io-orkes/conductor-javascript");

const PODIUM_URL = (process.env.PODIUM_URL ?? "").replace(/\/+$/, "");
const KEY_ID = process.env.PODIUM_KEY_ID ?? "";
const KEY_SECRET = process.env.PODIUM_KEY_SECRET ?? "";
if (!PODIUM_URL || !KEY_ID || !KEY_SECRET) {
  throw new Error("set PODIUM_URL, PODIUM_KEY_ID and PODIUM_KEY_SECRET (see sdk-test/README.md)");
}

const EXAMPLE = new URL("../api/testdata/rotate_secret_workflow.json", import.meta.url);
const EXAMPLE_STUB_URL = "http://127.0.0.1:18081/oauth/token";
const ROTATION_WF = "update_rotate_secrets_tracker_app";
const ROTATED_SECRET = "my_secret_holding_a_token";
// The server's token life (PODIUM_TOKEN_TTL, "3s" or "1500ms"); without it test g is skipped.
const TOKEN_TTL_MS = parseDuration(process.env.PODIUM_TOKEN_TTL);

function parseDuration(text) {
  if (!text) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`PODIUM_TOKEN_TTL=${text}: expected a duration such as 3s or 1500ms`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (prefix) => prefix + randomBytes(12).toString("hex");
const runId = randomBytes(4).toString("hex");

// The credentials the rotation workflow sends to the token endpoint, and what it gets back.
const appKeyId = random("kid-");
const appKeySecret = random("ksec-");
const xValue = random("x-value-");
const tokens = []; // every token the stub handed out, in order
const rejected = []; // bodies of calls with wrong credentials

let stub; // the token stub (node:http)
let stubURL;
let clients; // OrkesClients
let client; // the underlying SDK Client

// startStub serves POST /oauth/token: it checks the key pair the workflow sends in the JSON body
// (the values of the appKeyId/appKeySecret secrets) and answers a new token each call.
async function startStub() {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let creds = {};
      try {
        creds = JSON.parse(body);
      } catch {
        // fall through: rejected below
      }
      if (req.method !== "POST" || req.url !== "/oauth/token" || creds.keyId !== appKeyId || creds.keySecret !== appKeySecret) {
        rejected.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "bad credentials" }));
        return;
      }
      const token = random("tok-");
      tokens.push(token);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ token, expiresIn: 3600 }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

// metric sums podium_http_requests_total over the series whose labels include every one of
// labels, read from the server's public Prometheus endpoint (0 when none exists yet).
async function metric(labels) {
  const res = await fetch(`${PODIUM_URL}/metrics`);
  assert.equal(res.status, 200, "GET /metrics");
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of (await res.text()).split("\n")) {
    const m = /^podium_http_requests_total\{(.*)\} (\S+)$/.exec(line);
    if (m && want.every((l) => m[1].split(",").includes(l))) sum += Number(m[2]);
  }
  return sum;
}

// waitFor polls fn until it returns a truthy value or timeoutMs passes, then returns the last value.
async function waitFor(fn, timeoutMs, stepMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value || Date.now() >= deadline) return value;
    await sleep(stepMs);
  }
}

// waitForEnd polls getWorkflow(id, true) until the workflow leaves RUNNING (bounded).
async function waitForEnd(id, timeoutMs = 20000) {
  const wf = clients.getWorkflowClient();
  let execution;
  await waitFor(async () => {
    execution = await wf.getWorkflow(id, true);
    return !["RUNNING", "PAUSED"].includes(execution.status);
  }, timeoutMs, 100);
  return execution;
}

// rawGet sends a GET through the SDK's own client (its auth header and 401 retry, declared the
// way the SDK's generated resources declare it) without throwing, to see the HTTP status the
// high-level methods hide.
async function rawGet(url, path) {
  const security = [{ name: "X-Authorization", type: "apiKey" }];
  const { response } = await client.get({ url, path, security, throwOnError: false });
  return response.status;
}

// sdkGet sends a GET through the SDK's own client (as rawGet) and returns the decoded body: for a
// Podium route that no SDK method names (GET /api/event/executions).
async function sdkGet(url, query) {
  const security = [{ name: "X-Authorization", type: "apiKey" }];
  const { data } = await client.get({ url, query, security, throwOnError: true });
  return data;
}

// legacy calls the SDK's deprecated resource API (client.taskResource, client.workflowResource:
// the only SDK methods for some routes), without the warning it prints on every call.
async function legacy(fn) {
  const warn = console.warn;
  console.warn = (...args) => {
    if (!String(args[0]).includes("[Conductor SDK Legacy API]")) warn(...args);
  };
  try {
    return await fn(client);
  } finally {
    console.warn = warn;
  }
}

// assertNoSecret fails when value (anything JSON) shows a secret value of this run: the
// secrets of test b or a token the stub handed out.
function assertNoSecret(value, what) {
  const text = JSON.stringify(value);
  for (const secret of [xValue, appKeyId, appKeySecret, ...tokens]) {
    assert.ok(!text.includes(secret), `${what} shows a secret value`);
  }
}

before(async () => {
  // Fail fast with the server's answer: the SDK retries a failing first login for about 2 min.
  const health = await fetch(`${PODIUM_URL}/health`).catch((err) => assert.fail(`${PODIUM_URL}/health: ${err.message}`));
  assert.equal(health.status, 200, `GET ${PODIUM_URL}/health: ${await health.text()}`);
  const login = await fetch(`${PODIUM_URL}/api/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ keyId: KEY_ID, keySecret: KEY_SECRET }),
  });
  assert.equal(login.status, 200, `POST /api/token with PODIUM_KEY_ID/PODIUM_KEY_SECRET: ${await login.text()}`);

  stub = await startStub();
  stubURL = `http://127.0.0.1:${stub.address().port}/oauth/token`;
  clients = await OrkesClients.from({ serverUrl: PODIUM_URL, keyId: KEY_ID, keySecret: KEY_SECRET });
  client = clients.getClient();
});

after(async () => {
  client?.stopBackgroundRefresh();
  if (stub) await new Promise((resolve) => stub.close(resolve));
  assert.deepEqual(rejected, [], "the token stub got calls with wrong credentials");
});

test("a: register the task definition and the workflows", async () => {
  const md = clients.getMetadataClient();
  const wf = clients.getWorkflowClient();

  // The rotation workflow uses system tasks only (HTTP, UPDATE_SECRET), which need no task
  // definition. The worker workflow of test e has a SIMPLE task: its definition goes through
  // registerTask (POST /api/metadata/taskdefs with a one-element array).
  await md.registerTask({
    name: `sdk_echo_${runId}`,
    description: "echoes a secret back (SDK compatibility test)",
    retryCount: 0,
    timeoutSeconds: 60,
    responseTimeoutSeconds: 30,
    ownerEmail: "sdk-test@example.com",
  });
  const def = await md.getTask(`sdk_echo_${runId}`);
  assert.equal(def.name, `sdk_echo_${runId}`);
  assert.equal(def.responseTimeoutSeconds, 30);

  // The example workflow, pointed at the stub as the Go e2e test does.
  const example = await readFile(EXAMPLE, "utf8");
  assert.ok(example.includes(EXAMPLE_STUB_URL), "the example calls the token endpoint at " + EXAMPLE_STUB_URL);
  await wf.registerWorkflow(true, JSON.parse(example.replace(EXAMPLE_STUB_URL, stubURL)));
  const stored = await md.getWorkflowDef(ROTATION_WF, 1);
  assert.equal(stored.name, ROTATION_WF);
  assert.deepEqual(stored.tasks.map((t) => t.type), ["HTTP", "UPDATE_SECRET"]);
  assert.equal(stored.tasks[0].inputParameters.uri, stubURL);

  await md.registerWorkflowDef(
    {
      name: `sdk_worker_wf_${runId}`,
      version: 1,
      schemaVersion: 2,
      ownerEmail: "sdk-test@example.com",
      timeoutSeconds: 0,
      tasks: [
        {
          name: `sdk_echo_${runId}`,
          taskReferenceName: "echo",
          type: "SIMPLE",
          inputParameters: { secret: "${workflow.secrets.x}", plain: "${workflow.input.plain}" },
        },
      ],
    },
    true,
  );
  assert.equal((await md.getWorkflowDef(`sdk_worker_wf_${runId}`)).tasks[0].type, "SIMPLE");
  // overwrite=false on an existing definition is refused (409).
  await assert.rejects(md.registerWorkflowDef({ ...stored, description: "changed" }, false));
  assert.equal((await md.getWorkflowDef(ROTATION_WF, 1)).description, stored.description);
});

test("b: put the secrets", async () => {
  const sc = clients.getSecretClient();
  await sc.putSecret("appKeyId", appKeyId);
  await sc.putSecret("appKeySecret", appKeySecret);
  await sc.putSecret("x", xValue);
  // The SDK sends a JSON string literal; the server must store the value, not the quotes.
  assert.equal(await sc.getSecret("appKeyId"), appKeyId);
  assert.equal(await sc.getSecret("appKeySecret"), appKeySecret);
  assert.equal(await sc.getSecret("x"), xValue);
  assert.equal(await sc.secretExists("x"), true);
  const names = await sc.listAllSecretNames();
  for (const name of ["appKeyId", "appKeySecret", "x"]) assert.ok(names.includes(name), `listAllSecretNames has ${name}: ${names}`);
});

test("c+d: the rotation workflow completes, masks its secrets and rotates the secret", async () => {
  const wf = clients.getWorkflowClient();
  const id = await wf.startWorkflow({ name: ROTATION_WF, version: 1, input: {} });
  assert.match(id, /^[0-9a-f-]{36}$/, "startWorkflow returns the bare workflow id");

  const execution = await waitForEnd(id);
  assert.equal(execution.status, "COMPLETED", `workflow ${id}: ${execution.reasonForIncompletion}`);
  assert.equal((await wf.getWorkflowStatus(id, true, false)).status, "COMPLETED");
  assert.equal(tokens.length, 1, "the workflow called the token stub once");
  const token = tokens[0];

  // The example has exactly two tasks, in this order: retrieve_token (HTTP) then
  // update_secret_task_ref (UPDATE_SECRET), so tasks[0]/tasks[1] are the paths of spec §7.
  const [retrieve, update] = execution.tasks;
  assert.equal(execution.tasks.length, 2);
  assert.equal(retrieve.referenceTaskName, "retrieve_token");
  assert.equal(update.referenceTaskName, "update_secret_task_ref");
  assert.equal(retrieve.status, "COMPLETED");
  assert.equal(update.status, "COMPLETED");

  // Spec §7 acceptance list.
  assert.equal(retrieve.inputData.body.keySecret, "***");
  assert.equal(retrieve.outputData._secrets, "***");
  assert.equal(update.inputData._secrets, "***");
  const text = JSON.stringify(execution);
  assert.ok(!text.includes(token), "the execution shows the raw token");
  // More of the same: the key id is masked too, and neither credential shows anywhere.
  assert.equal(retrieve.inputData.body.keyId, "***");
  assert.ok(!text.includes(appKeyId) && !text.includes(appKeySecret), "the execution shows a credential");
  // The filter expression is shown as written (a path, not a value).
  assert.deepEqual(retrieve.inputData.outputFilter, {
    _secrets: { token: "${retrieve_token.output.response.body.token}" },
  });

  // d: the secret now holds the token the stub handed out last.
  assert.equal(await clients.getSecretClient().getSecret(ROTATED_SECRET), tokens.at(-1));
});

test("e: a TaskManager worker gets the real secret, the execution shows ***", async () => {
  const wf = clients.getWorkflowClient();
  const received = [];
  const manager = new TaskManager(
    client,
    [
      {
        taskDefName: `sdk_echo_${runId}`,
        execute: async (task) => {
          received.push(task.inputData);
          return { status: "COMPLETED", outputData: { length: String(task.inputData.secret).length, plain: task.inputData.plain } };
        },
      },
    ],
    { options: { pollInterval: 100, concurrency: 1, workerID: "sdk-worker" } },
  );
  manager.startPolling();
  try {
    const id = await wf.startWorkflow({ name: `sdk_worker_wf_${runId}`, version: 1, input: { plain: "hello" } });
    const execution = await waitForEnd(id);
    assert.equal(execution.status, "COMPLETED", `workflow ${id}: ${execution.reasonForIncompletion}`);
    assert.deepEqual(received, [{ secret: xValue, plain: "hello" }], "the worker receives the real value once");

    const [task] = execution.tasks;
    assert.equal(task.status, "COMPLETED");
    assert.equal(task.workerId, "sdk-worker");
    assert.equal(task.inputData.secret, "***");
    assert.equal(task.inputData.plain, "hello");
    assert.deepEqual(task.outputData, { length: xValue.length, plain: "hello" });
    assert.ok(!JSON.stringify(execution).includes(xValue), "the execution shows the value of x");
  } finally {
    await manager.stopPolling();
  }
});

test("f: schedules fire, pause, resume and delete", async () => {
  const sch = clients.getSchedulerClient();
  const name = `sdk_rotate_every_2s_${runId}`;
  const next = await sch.getNextFewSchedules("0/2 * * ? * *");
  assert.equal(next.length, 3);
  assert.deepEqual([next[1] - next[0], next[2] - next[1]], [2000, 2000], `next few: ${next}`);
  const executed = async () => {
    const page = await sch.search(0, 100, "", "*", `scheduleName IN (${name})`);
    return (page.results ?? []).filter((r) => r.state === "EXECUTED");
  };

  await sch.saveSchedule({
    name,
    cronExpression: "0/2 * * ? * *",
    startWorkflowRequest: { name: ROTATION_WF, version: 1, input: { from: "sdk" } },
    zoneId: "UTC",
  });
  const saved = await sch.getSchedule(name);
  assert.equal(saved.name, name);
  assert.equal(saved.cronExpression, "0/2 * * ? * *");
  assert.equal(saved.paused, false);
  assert.equal(saved.startWorkflowRequest.name, ROTATION_WF);

  // Up to ~8 s for a run that the scheduler started.
  const runs = await waitFor(async () => {
    const rows = await executed();
    return rows.length > 0 ? rows : null;
  }, 8000, 250);
  assert.ok(runs && runs.length > 0, `no EXECUTED record for ${name} within 8 s`);
  const run = runs[0];
  assert.equal(run.scheduleName, name);
  assert.equal(run.workflowName, ROTATION_WF);
  assert.match(run.workflowId, /^[0-9a-f-]{36}$/);
  assert.equal(run.startWorkflowRequest.input._startedByScheduler, name);
  assert.equal(run.startWorkflowRequest.input.from, "sdk");
  const started = await waitForEnd(run.workflowId);
  assert.equal(started.input._startedByScheduler, name);
  assert.equal(started.status, "COMPLETED", `${run.workflowId}: ${started.reasonForIncompletion}`);

  // Pause (PUT .../pause?reason=...): no slot after the pause fires.
  await sch.pauseSchedule(name, "sdk maintenance");
  const pausedAt = Date.now();
  const paused = await sch.getSchedule(name);
  assert.equal(paused.paused, true);
  assert.equal(paused.pausedReason, "sdk maintenance");
  await sleep(3000);
  const page = await sch.search(0, 100, "", "*", `scheduleName IN (${name})`);
  const late = (page.results ?? []).filter((r) => r.scheduledTime > pausedAt);
  assert.deepEqual(late, [], "slots fired after the pause");

  // Resume (PUT .../resume): slots fire again.
  await sch.resumeSchedule(name);
  const resumedAt = Date.now();
  assert.equal((await sch.getSchedule(name)).paused, false);
  const again = await waitFor(async () => (await executed()).some((r) => r.scheduledTime > resumedAt), 8000, 250);
  assert.ok(again, "no slot fired within 8 s of the resume");

  await sch.deleteSchedule(name);
  await assert.rejects(sch.getSchedule(name), (err) => {
    assert.match(err.message, new RegExp(`Failed to get schedule '${name}'`));
    return true;
  });
  assert.equal(await rawGet("/api/scheduler/schedules/{name}", { name }), 404, "GET of a deleted schedule");
  assert.ok(!(await sch.getAllSchedules()).some((s) => s.name === name), "the deleted schedule is still listed");
});

test("g: an expired token is refreshed and the call retried", {
  skip: TOKEN_TTL_MS === undefined ? "PODIUM_TOKEN_TTL (the server's short token life, e.g. 3s) is not set" : false,
}, async () => {
  const md = clients.getMetadataClient();
  const route = "/api/metadata/workflow/{name}";
  await md.getWorkflowDef(ROTATION_WF, 1); // any call, with a live token
  const { "X-Authorization": oldToken } = await client.getAuthenticationHeaders();
  assert.ok(oldToken, "the SDK holds a token");

  await sleep(TOKEN_TTL_MS + 500); // the token dies; nothing else in this process calls the server meanwhile

  // What the SDK's next call will get: 401 with the code it reacts to.
  const res = await fetch(`${PODIUM_URL}/api/metadata/workflow/${ROTATION_WF}?version=1`, {
    headers: { "X-Authorization": oldToken, Accept: "*/*" },
  });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal((await res.json()).error, "EXPIRED_TOKEN");

  // Podium labels requests its auth check turns away with route="unmatched" (the check runs
  // before routing), so the 401s are counted over every route.
  const rejectedGets = await metric({ method: "GET", code: "401" });
  const tokenCalls = await metric({ method: "POST", route: "/api/token", code: "200" });
  const served = await metric({ method: "GET", route, code: "200" });

  const def = await md.getWorkflowDef(ROTATION_WF, 1);
  assert.equal(def.name, ROTATION_WF, "the call after expiry succeeds");

  // The server saw: the call with the dead token (401), one new token (the SDK sends the dead
  // token along on /api/token, which must not matter), the retried call (200).
  assert.equal(await metric({ method: "GET", code: "401" }), rejectedGets + 1, "the first try got 401");
  assert.equal(await metric({ method: "POST", route: "/api/token", code: "200" }), tokenCalls + 1, "the SDK fetched one new token");
  assert.equal(await metric({ method: "GET", route, code: "200" }), served + 1, "the retried call succeeded");
  const { "X-Authorization": newToken } = await client.getAuthenticationHeaders();
  assert.notEqual(newToken, oldToken, "the SDK holds the new token");
});

// The workflows of tests h–j: a WAIT that only an event completes, and an EVENT task that
// publishes to conductor:<sdk_publisher_…>:publish with a secret in its input.
const WAITER_WF = `sdk_waiter_${runId}`;
const PUBLISHER_WF = `sdk_publisher_${runId}`;
const PUBLISHED_EVENT = `conductor:${PUBLISHER_WF}:publish`;
const HANDLER = `sdk_complete_waiter_${runId}`;
const CORRELATION = `sdk-corr-${runId}`;
let waiterId; // the execution of WAITER_WF the event completes (test h)
let publisherId; // the execution of PUBLISHER_WF (test h)

test("h: an event handler completes a WAIT task when another workflow's EVENT task publishes", async () => {
  const md = clients.getMetadataClient();
  const wf = clients.getWorkflowClient();
  const ev = clients.getEventClient();
  await md.registerWorkflowDef(
    { name: WAITER_WF, version: 1, schemaVersion: 2, tasks: [{ name: "wait", taskReferenceName: "wait", type: "WAIT" }] },
    true,
  );
  await md.registerWorkflowDef(
    {
      name: PUBLISHER_WF,
      version: 1,
      schemaVersion: 2,
      tasks: [
        {
          name: "publish",
          taskReferenceName: "publish",
          type: "EVENT",
          sink: "conductor",
          inputParameters: { target: "${workflow.input.target}", secret: "${workflow.secrets.x}" },
        },
      ],
    },
    true,
  );

  // The handler: addEventHandler (POST /api/event with a one-element list), first inactive.
  const completeWaiter = {
    action: "complete_task",
    complete_task: { workflowId: "${target}", taskRefName: "wait", output: { via: "event", secret: "${secret}" } },
  };
  const handler = { name: HANDLER, event: PUBLISHED_EVENT, active: false, actions: [completeWaiter] };
  await ev.addEventHandler(handler);
  await assert.rejects(ev.addEventHandler(handler), /already exists/, "a second handler of the same name");
  const listed = (await ev.getAllEventHandlers()).find((h) => h.name === HANDLER);
  assert.equal(listed?.event, PUBLISHED_EVENT);
  assert.deepEqual(listed.actions[0].complete_task, completeWaiter.complete_task, "the templates are stored as written");
  assert.deepEqual(await ev.getEventHandlersForEvent(PUBLISHED_EVENT, true), [], "an inactive handler is not active");
  assert.deepEqual((await ev.getEventHandlersForEvent(PUBLISHED_EVENT, false)).map((h) => h.name), [HANDLER]);
  await ev.updateEventHandler({ ...handler, active: true });
  assert.deepEqual((await ev.getEventHandlersForEvent(PUBLISHED_EVENT, true)).map((h) => h.name), [HANDLER]);

  waiterId = await wf.startWorkflow({ name: WAITER_WF, version: 1, input: {}, correlationId: CORRELATION });
  assert.equal((await wf.getWorkflow(waiterId, true)).tasks[0].status, "IN_PROGRESS", "the WAIT task waits");
  publisherId = await wf.startWorkflow({ name: PUBLISHER_WF, version: 1, input: { target: waiterId }, correlationId: CORRELATION });

  const waiter = await waitForEnd(waiterId);
  assert.equal(waiter.status, "COMPLETED", `the waiter ${waiterId}: ${waiter.reasonForIncompletion}`);
  const [wait] = waiter.tasks;
  assert.equal(wait.status, "COMPLETED");
  assert.equal(wait.outputData.via, "event");
  assert.equal(wait.outputData.secret, "***", "the message carries the EVENT task's masked input");
  assert.equal(wait.outputData["conductor.event.name"], PUBLISHED_EVENT);
  assert.match(wait.outputData["conductor.event.messageId"], /^[0-9a-f-]{36}$/);
  assertNoSecret(waiter, "the completed waiter");

  const publisher = await waitForEnd(publisherId);
  assert.equal(publisher.status, "COMPLETED", `the publisher ${publisherId}: ${publisher.reasonForIncompletion}`);
  const [publish] = publisher.tasks;
  assert.equal(publish.taskType, "EVENT");
  assert.equal(publish.outputData.event_produced, PUBLISHED_EVENT);
  assert.equal(publish.outputData.workflowInstanceId, publisherId);
  assert.equal(publish.inputData.secret, "***");
  assertNoSecret(publisher, "the publisher");

  // What the handler did (Podium's GET /api/event/executions: the SDK's getEventExecutions asks
  // for Orkes' /api/event/execution/{name}, which Podium has not).
  const records = await sdkGet("/api/event/executions", { name: HANDLER });
  assert.equal(records.totalHits, 1);
  const [record] = records.results;
  assert.equal(record.status, "COMPLETED");
  assert.equal(record.action, "complete_task");
  assert.equal(record.event, PUBLISHED_EVENT);
  assert.equal(record.messageId, wait.outputData["conductor.event.messageId"]);
  assert.equal(record.output.workflowId, waiterId);
  assertNoSecret(records, "the event executions");

  await ev.removeEventHandler(HANDLER);
  assert.ok(!(await ev.getAllEventHandlers()).some((h) => h.name === HANDLER), "the removed handler is still listed");
  await assert.rejects(ev.removeEventHandler(HANDLER), /not found/);
});

test("i: search tasks, search workflows by tasks, correlated batch", async () => {
  const wf = clients.getWorkflowClient();
  // GET /api/tasks/search (TaskClient.search): TaskSummary rows.
  const summaries = await clients.getTaskClient().search(0, 10, "", "*", `workflowType = ${PUBLISHER_WF}`);
  assert.equal(summaries.totalHits, 1);
  assert.equal(summaries.results[0].workflowId, publisherId);
  assert.equal(summaries.results[0].taskType, "EVENT");
  assert.equal(summaries.results[0].status, "COMPLETED");
  assert.equal(summaries.results[0].correlationId, CORRELATION);
  assertNoSecret(summaries, "GET /api/tasks/search");
  const none = await clients.getTaskClient().search(0, 10, "", "*", `workflowType = ${PUBLISHER_WF} AND status = FAILED`);
  assert.equal(none.totalHits, 0);
  // GET /api/tasks/search-v2 (legacy taskResource.searchV22): whole tasks, masked.
  const tasks = await legacy((c) => c.taskResource.searchV22(0, 10, undefined, "*", `taskType = EVENT AND workflowType = ${PUBLISHER_WF}`));
  assert.equal(tasks.totalHits, 1);
  assert.equal(tasks.results[0].workflowInstanceId, publisherId);
  assert.equal(tasks.results[0].referenceTaskName, "publish");
  assert.equal(tasks.results[0].inputData.secret, "***");
  assertNoSecret(tasks, "GET /api/tasks/search-v2");

  // GET /api/workflow/search-by-tasks[-v2] (legacy workflowResource): workflows with a matching task.
  const byTaskQuery = `referenceTaskName = wait AND workflowType = ${WAITER_WF}`;
  const byTasks = await legacy((c) => c.workflowResource.searchWorkflowsByTasks(0, 10, undefined, "*", byTaskQuery));
  assert.equal(byTasks.totalHits, 1);
  assert.equal(byTasks.results[0].workflowId, waiterId);
  assert.equal(byTasks.results[0].workflowType, WAITER_WF);
  assert.equal(byTasks.results[0].status, "COMPLETED");
  assertNoSecret(byTasks, "GET /api/workflow/search-by-tasks");
  const byTasksV2 = await legacy((c) =>
    c.workflowResource.searchWorkflowsByTasksV2(0, 10, undefined, PUBLISHER_WF, "taskType = EVENT AND status = COMPLETED"),
  );
  assert.equal(byTasksV2.totalHits, 1, "freeText matches the workflow name");
  assert.equal(byTasksV2.results[0].workflowId, publisherId);
  assert.equal(byTasksV2.results[0].workflowName, PUBLISHER_WF);
  assert.equal(byTasksV2.results[0].correlationId, CORRELATION);
  assertNoSecret(byTasksV2, "GET /api/workflow/search-by-tasks-v2");

  // POST /api/workflow/correlated/batch (getByCorrelationIds): every id is a key.
  const missing = `sdk-corr-none-${runId}`;
  const request = { correlationIds: [CORRELATION, missing], workflowNames: [WAITER_WF, PUBLISHER_WF] };
  const closed = await wf.getByCorrelationIds(request, true, true);
  assert.deepEqual(Object.keys(closed).sort(), [CORRELATION, missing].sort());
  assert.deepEqual(closed[missing], []);
  assert.deepEqual(closed[CORRELATION].map((w) => w.workflowId).sort(), [waiterId, publisherId].sort());
  const waiter = closed[CORRELATION].find((w) => w.workflowId === waiterId);
  assert.equal(waiter.tasks[0].referenceTaskName, "wait", "includeTasks=true includes the tasks");
  assertNoSecret(closed, "POST /api/workflow/correlated/batch");
  const open = await wf.getByCorrelationIds(request, false, false);
  assert.deepEqual(open[CORRELATION], [], "both executions are closed");
  const onlyWaiter = await wf.getByCorrelationIds({ correlationIds: [CORRELATION], workflowNames: [WAITER_WF] }, true, false);
  assert.deepEqual(onlyWaiter[CORRELATION].map((w) => w.workflowId), [waiterId]);
});

test("j: definition tags of workflows and tasks", async () => {
  const md = clients.getMetadataClient();
  await md.addWorkflowTag({ key: "team", value: "sdk" }, WAITER_WF);
  await md.addWorkflowTag({ key: "tier", value: "1" }, WAITER_WF);
  const byKey = (tags) => [...tags].sort((a, b) => a.key.localeCompare(b.key));
  assert.deepEqual(byKey(await md.getWorkflowTags(WAITER_WF)), [{ key: "team", value: "sdk" }, { key: "tier", value: "1" }]);
  await md.addWorkflowTag({ key: "team", value: "core" }, WAITER_WF); // a known key takes the new value
  assert.deepEqual(byKey(await md.getWorkflowTags(WAITER_WF)), [{ key: "team", value: "core" }, { key: "tier", value: "1" }]);
  await md.deleteWorkflowTag({ key: "tier", value: "1" }, WAITER_WF);
  assert.deepEqual(await md.getWorkflowTags(WAITER_WF), [{ key: "team", value: "core" }]);
  await md.setWorkflowTags([{ key: "a", value: "1" }, { key: "b", value: "2" }], WAITER_WF);
  assert.deepEqual(byKey(await md.getWorkflowTags(WAITER_WF)), [{ key: "a", value: "1" }, { key: "b", value: "2" }]);
  assert.deepEqual(await md.getWorkflowTags(PUBLISHER_WF), [], "tags belong to one name");
  await assert.rejects(md.getWorkflowTags(`sdk_unknown_${runId}`), "tags of an unknown workflow name");

  const task = `sdk_echo_${runId}`;
  await md.addTaskTag({ key: "owner", value: "sdk" }, task);
  assert.deepEqual(await md.getTaskTags(task), [{ key: "owner", value: "sdk" }]);
  await md.setTaskTags([{ key: "x", value: "y" }], task);
  assert.deepEqual(await md.getTaskTags(task), [{ key: "x", value: "y" }]);
  await md.deleteTaskTag({ key: "x", value: "y" }, task);
  assert.deepEqual(await md.getTaskTags(task), []);
  await assert.rejects(md.addTaskTag({ key: "k", value: "v" }, `sdk_unknown_${runId}`), "tags of an unknown task name");
  assert.equal((await md.getTask(task)).name, task, "the definition is untouched");
});

test("k: testWorkflow runs a definition on mocks and stores nothing", async () => {
  const md = clients.getMetadataClient();
  const wf = clients.getWorkflowClient();
  const name = `sdk_mocked_${runId}`;
  await md.registerTask({ name: `sdk_fetch_${runId}`, retryCount: 1, retryDelaySeconds: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30 });
  await md.registerWorkflowDef(
    {
      name,
      version: 1,
      schemaVersion: 2,
      outputParameters: { total: "${fetch.output.total}" },
      tasks: [
        {
          name: `sdk_fetch_${runId}`,
          taskReferenceName: "fetch",
          type: "SIMPLE",
          inputParameters: { id: "${workflow.input.id}", key: "${workflow.secrets.x}" },
        },
        { name: "approve", taskReferenceName: "approve", type: "WAIT" },
      ],
    },
    true,
  );
  const run = await wf.testWorkflow({
    name,
    version: 1,
    input: { id: 7 },
    taskRefToMockOutput: {
      fetch: [
        { status: "FAILED", output: { error: "timeout" } },
        { status: "COMPLETED", output: { total: 42 } },
      ],
      approve: [{ status: "COMPLETED", output: { ok: true } }],
    },
  });
  assert.equal(run.status, "COMPLETED", run.reasonForIncompletion);
  assert.deepEqual(run.output, { total: 42 });
  assert.deepEqual(
    run.tasks.map((t) => [t.referenceTaskName, t.status, t.outputData]),
    [
      ["fetch", "FAILED", { error: "timeout" }],
      ["fetch", "COMPLETED", { total: 42 }],
      ["approve", "COMPLETED", { ok: true }],
    ],
    "a FAILED mock then a COMPLETED one runs the definition's retry",
  );
  assert.deepEqual(run.tasks[0].inputData, { id: 7, key: "***" });
  assertNoSecret(run, "POST /api/workflow/test");
  await assert.rejects(wf.getWorkflow(run.workflowId, false), /No such workflow/, "the test run is not stored");

  // Out of mocks: the run stops with the task pending.
  const partial = await wf.testWorkflow({ name, version: 1, input: { id: 8 }, taskRefToMockOutput: { fetch: [{ status: "COMPLETED", output: { total: 1 } }] } });
  assert.equal(partial.status, "RUNNING");
  assert.deepEqual(partial.tasks.map((t) => [t.referenceTaskName, t.status]), [["fetch", "COMPLETED"], ["approve", "IN_PROGRESS"]]);
});

test("l: queue sizes verbose, requeue, retry with resumeSubworkflowTasks, delete with and without archive", async () => {
  const md = clients.getMetadataClient();
  const wf = clients.getWorkflowClient();
  const taskType = `sdk_flaky_${runId}`;
  const child = `sdk_child_${runId}`;
  const parent = `sdk_parent_${runId}`;
  await md.registerTask({ name: taskType, retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30 });
  await md.registerWorkflowDef({ name: child, version: 1, schemaVersion: 2, tasks: [{ name: taskType, taskReferenceName: "flaky", type: "SIMPLE" }] }, true);
  await md.registerWorkflowDef(
    {
      name: parent,
      version: 1,
      schemaVersion: 2,
      outputParameters: { result: "${sub.output.result}" },
      tasks: [{ name: "sub", taskReferenceName: "sub", type: "SUB_WORKFLOW", subWorkflowParam: { name: child, version: 1 } }],
    },
    true,
  );
  const parentId = await wf.startWorkflow({ name: parent, version: 1, input: {} });
  const childId = await waitFor(async () => (await wf.getWorkflow(parentId, true)).tasks[0]?.subWorkflowId, 5000, 100);
  assert.match(childId ?? "", /^[0-9a-f-]{36}$/, "the SUB_WORKFLOW task started a child");

  // GET /api/tasks/queue/all/verbose and POST /api/tasks/queue/requeue/{type} (legacy taskResource).
  assert.deepEqual((await legacy((c) => c.taskResource.allVerbose()))[taskType], { a: { size: 1, uacked: 0 } });
  assert.equal(await legacy((c) => c.taskResource.requeuePendingTask(taskType)), "1");
  const polled = await legacy((c) => c.taskResource.poll(taskType, "sdk-poller"));
  assert.equal(polled.workflowInstanceId, childId);
  assert.equal(polled.status, "IN_PROGRESS");
  assert.deepEqual((await legacy((c) => c.taskResource.allVerbose()))[taskType], { a: { size: 0, uacked: 1 } });
  assert.equal(await legacy((c) => c.taskResource.requeuePendingTask(taskType)), "0", "a claimed task is not in the queue");

  // The child's task fails (retryCount 0): the child, then the parent, fail.
  // (WorkflowExecutor.updateTaskByRefName posts the output as is; TaskClient.updateTaskResult
  // would wrap it in {outputData}.)
  await wf.updateTaskByRefName("flaky", childId, "FAILED", { why: "boom" });
  const failed = await waitForEnd(parentId);
  assert.equal(failed.status, "FAILED");
  assert.equal((await wf.getWorkflow(childId, false)).status, "FAILED");

  // retry(parent, resumeSubworkflowTasks=true) retries the failed task in the same child.
  await wf.retry(parentId, true);
  const retried = await wf.getWorkflow(parentId, true);
  assert.equal(retried.status, "RUNNING");
  assert.deepEqual(retried.tasks.map((t) => [t.status, t.subWorkflowId]), [["IN_PROGRESS", childId]], "the same child resumes");
  const resumed = await wf.getWorkflow(childId, true);
  assert.equal(resumed.status, "RUNNING");
  assert.deepEqual(resumed.tasks.map((t) => [t.referenceTaskName, t.status, t.retryCount]), [["flaky", "FAILED", 0], ["flaky", "SCHEDULED", 1]]);
  assert.deepEqual((await legacy((c) => c.taskResource.allVerbose()))[taskType], { a: { size: 1, uacked: 0 } });
  await wf.updateTaskByRefName("flaky", childId, "COMPLETED", { result: "ok" });
  const done = await waitForEnd(parentId);
  assert.equal(done.status, "COMPLETED", done.reasonForIncompletion);
  assert.deepEqual(done.output, { result: "ok" });

  // DELETE /api/workflow/{id}/remove: archived by default and still readable by id, then deleted.
  await wf.deleteWorkflow(childId);
  const archived = await wf.getWorkflow(childId, true);
  assert.equal(archived.status, "COMPLETED");
  assert.equal(archived.tasks.length, 2, "the archive keeps the tasks");
  assert.equal((await wf.getWorkflowStatus(childId, true, false)).status, "COMPLETED");
  await wf.deleteWorkflow(childId, false);
  await assert.rejects(wf.getWorkflow(childId, false), /No such workflow/);
  assert.equal(await rawGet("/api/workflow/{workflowId}", { workflowId: childId }), 404, "GET of a deleted workflow");
  await wf.deleteWorkflow(parentId, false);
  await assert.rejects(wf.getWorkflow(parentId, false), /No such workflow/);
});
