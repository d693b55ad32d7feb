// The dialer's Verto client (switchctl/portal/dialer/static/verto.js) in Node, no network:
// the switch's side is played from frames recorded on the real FreeSWITCH 1.10.12
// (tests/data/verto/), the browser's parts are stand-ins (fakes.mjs).

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { VertoClient } from "../../switchctl/portal/dialer/static/verto.js";
import {
  FakePeerConnection, FakeSocket, FakeStream, FakeTimers, recording, settled, switchFrames,
} from "./fakes.mjs";

const GIVEN = { login: "101@pbx.local", password: "one-time", url: "ws://pbx.example:8081" };
const [LOGGED_IN, READY] = switchFrames("login");
const OUTGOING = switchFrames("outgoing_call");
const INCOMING = switchFrames("incoming_call_taken_elsewhere");
const CALL_ID = OUTGOING[1].result.callID;

let timers;
let credentials;
let media;

beforeEach(() => {
  FakeSocket.made = [];
  FakePeerConnection.made = [];
  FakePeerConnection.gathering = "complete";
  timers = new FakeTimers();
  credentials = [];
  media = [];
});

function client(options = {}) {
  const ids = ["session-id", CALL_ID];  // the sessid first, then the first call's callID
  return new VertoClient({
    credential: async () => { credentials.push(GIVEN); return GIVEN; },
    WebSocket: FakeSocket,
    PeerConnection: FakePeerConnection,
    getUserMedia: async (constraints) => { media.push(constraints); return new FakeStream(); },
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    newId: () => ids.shift() || "session-id",
    ...options,
  });
}

function states(target) {
  const seen = [];
  target.addEventListener("state", (event) => seen.push(event.detail.state));
  return seen;
}

async function loggedIn(verto = client()) {
  verto.start();
  await settled();
  const socket = FakeSocket.made.at(-1);
  socket.open();
  await settled();
  socket.answer("login", LOGGED_IN);
  socket.deliver(READY);
  await settled();
  return { verto, socket };
}

// Logged in, with an answered outgoing call to 102.
async function inCall() {
  const { verto, socket } = await loggedIn();
  const call = await placed(verto, socket);
  socket.deliver(OUTGOING[3]);  // verto.answer with the switch's SDP
  await settled();
  return { verto, socket, call };
}

async function placed(verto, socket, destination = "102") {
  const placing = verto.call(destination);
  await settled();
  socket.answer("verto.invite", OUTGOING[1]);
  return placing;
}

test("it logs in with the portal's credential and is ready at verto.clientReady", async () => {
  const verto = client();
  const seen = states(verto);
  const { socket } = await loggedIn(verto);
  assert.equal(socket.url, GIVEN.url);
  const [login] = socket.requests("login");
  assert.deepEqual(login.params, { sessid: "session-id", login: GIVEN.login, passwd: "one-time" });
  assert.equal(login.jsonrpc, "2.0");
  // Each request of the switch gets a result with its id, as recorded.
  const recorded = recording("login").filter((r) => r.direction === "sent").at(-1).frame;
  assert.deepEqual(socket.replies().at(-1), recorded);
  assert.deepEqual(seen, ["connecting", "ready"]);
  assert.equal(verto.number, "101");
});

test("a refused login is retried with a new credential, waiting longer each time", async () => {
  const verto = client();
  const seen = states(verto);
  verto.start();
  await settled();
  for (const expected of [1000, 2000, 4000]) {
    const socket = FakeSocket.made.at(-1);
    socket.open();
    await settled();
    socket.answer("login", switchFrames("login_refused")[0]);
    await settled();
    assert.ok(socket.closed);
    assert.equal(timers.fireNext(), expected);
    await settled();
  }
  assert.equal(credentials.length, 4);
  assert.deepEqual(seen.slice(0, 3), ["connecting", "refused", "connecting"]);
});

test("an ended portal session stops the dialer (no retry)", async () => {
  const verto = client({ credential: async () => null });
  const seen = states(verto);
  verto.start();
  await settled();
  assert.deepEqual(seen, ["connecting", "signed-out"]);
  assert.equal(FakeSocket.made.length, 0);
  assert.equal(timers.live().length, 0);
});

test("an outgoing call: the microphone's offer with its candidates, then the answer", async () => {
  const { verto, socket } = await loggedIn();
  const call = await placed(verto, socket);
  assert.deepEqual(media, [{ audio: true, video: false }]);
  const [invite] = socket.requests("verto.invite");
  assert.equal(invite.params.sdp, "v=0\r\no=browser offer\r\na=candidate:host\r\n");
  assert.deepEqual(invite.params.dialogParams, {
    callID: CALL_ID, destination_number: "102", caller_id_number: "101",
    caller_id_name: "101", remote_caller_id_number: "102", remote_caller_id_name: "102" });
  const seen = states(call);
  socket.deliver(OUTGOING[3]);  // verto.answer with the switch's SDP
  await settled();
  const [pc] = FakePeerConnection.made;
  assert.deepEqual(pc.remote, { type: "answer", sdp: OUTGOING[3].params.sdp });
  assert.deepEqual(seen, ["active"]);
  assert.ok(call.answeredAt > 0);
  socket.deliver(OUTGOING[4]);  // verto.display
  assert.equal(call.number, "102");
  assert.equal(call.name, "Outbound Call");
});

test("hanging up sends verto.bye and leaves nothing behind", async () => {
  const { verto, socket, call } = await inCall();
  const ended = [];
  call.addEventListener("ended", (event) => ended.push(event.detail.cause));
  call.hangup();
  const [bye] = socket.requests("verto.bye");
  assert.deepEqual(bye.params.dialogParams, { callID: CALL_ID });
  assert.equal(bye.params.cause, "NORMAL_CLEARING");
  socket.answer("verto.bye", OUTGOING[5]);
  await settled();
  assert.deepEqual(ended, ["hangup"]);
  assert.equal(verto.calls.size, 0);
  assert.ok(FakePeerConnection.made[0].closed);
  assert.ok(call.stream.track.stopped);
  call.hangup();  // twice: nothing more is sent
  assert.equal(socket.requests("verto.bye").length, 1);
});

test("early media (verto.media) sets the far end's SDP once; verto.answer without one answers",
  async () => {
    const { verto, socket } = await loggedIn();
    const call = await placed(verto, socket);
    const seen = states(call);
    socket.deliver({ jsonrpc: "2.0", id: 40, method: "verto.media",
                     params: { callID: CALL_ID, sdp: OUTGOING[3].params.sdp } });
    await settled();
    socket.deliver({ jsonrpc: "2.0", id: 41, method: "verto.answer",
                     params: { callID: CALL_ID } });
    await settled();
    assert.deepEqual(seen, ["early", "active"]);
    assert.equal(FakePeerConnection.made[0].remote.sdp, OUTGOING[3].params.sdp);
    assert.deepEqual(socket.replies().slice(-2).map((r) => r.id), [40, 41]);
  });

test("the far end hanging up (the switch's verto.bye) ends the call with its cause",
  async () => {
    const { verto, socket } = await loggedIn();
    const call = await placed(verto, socket);
    socket.deliver({ jsonrpc: "2.0", id: 50, method: "verto.bye",
                     params: { callID: CALL_ID, causeCode: 17, cause: "USER_BUSY" } });
    assert.equal(call.state, "ended");
    assert.equal(call.cause, "USER_BUSY");
    assert.equal(socket.requests("verto.bye").length, 0);  // nothing to answer but the reply
  });

test("an incoming call rings with the caller's number and name; taken elsewhere, it ends",
  async () => {
    const { verto, socket } = await loggedIn();
    const incoming = [];
    verto.addEventListener("incoming", (event) => incoming.push(event.detail.call));
    socket.deliver(INCOMING[2]);  // the switch's verto.invite
    const [call] = incoming;
    assert.equal(call.state, "ringing");
    assert.equal(call.number, "102");
    assert.equal(call.name, "Alice Chen");
    assert.equal(socket.replies().at(-1).id, INCOMING[2].id);
    socket.deliver(INCOMING[3]);  // verto.bye LOSE_RACE: the desk phone answered
    assert.equal(call.state, "ended");
    assert.equal(call.cause, "LOSE_RACE");
    assert.equal(verto.calls.size, 0);
  });

test("answering an incoming call answers the switch's offer", async () => {
  const { verto, socket } = await loggedIn();
  let call;
  verto.addEventListener("incoming", (event) => { call = event.detail.call; });
  socket.deliver(INCOMING[2]);
  const answering = call.answer();
  await settled();
  const [pc] = FakePeerConnection.made;
  assert.deepEqual(pc.remote, { type: "offer", sdp: INCOMING[2].params.sdp });
  const [answer] = socket.requests("verto.answer");
  assert.equal(answer.params.sdp, "v=0\r\no=browser answer\r\na=candidate:host\r\n");
  assert.deepEqual(answer.params.dialogParams, { callID: INCOMING[2].params.callID });
  socket.answer("verto.answer", { jsonrpc: "2.0", result: { message: "CALL ANSWERED" } });
  await answering;
  assert.equal(call.state, "active");
});

test("declining an incoming call sends verto.bye CALL_REJECTED", async () => {
  const { verto, socket } = await loggedIn();
  let call;
  verto.addEventListener("incoming", (event) => { call = event.detail.call; });
  socket.deliver(INCOMING[2]);
  call.decline();
  const [bye] = socket.requests("verto.bye");
  assert.equal(bye.params.cause, "CALL_REJECTED");
  assert.equal(bye.params.causeCode, 21);
  assert.equal(call.cause, "declined");
});

test("keys in a call go as verto.info; anything else is refused", async () => {
  const { verto, socket } = await loggedIn();
  const call = await placed(verto, socket);
  assert.equal(call.dtmf("5"), false);  // not answered yet
  socket.deliver(OUTGOING[3]);
  await settled();
  assert.equal(call.dtmf("5"), true);
  assert.equal(call.dtmf("*#"), true);
  for (const bad of ["", "x", "5; drop", "1".repeat(33)]) assert.equal(call.dtmf(bad), false);
  assert.deepEqual(socket.requests("verto.info").map((m) => m.params),
    [{ sessid: "session-id", dtmf: "5", dialogParams: { callID: CALL_ID } },
     { sessid: "session-id", dtmf: "*#", dialogParams: { callID: CALL_ID } }]);
});

test("hold and unhold are verto.modify; mute only silences the microphone", async () => {
  const { verto, socket, call } = await inCall();
  const holding = call.hold();
  socket.answer("verto.modify", { jsonrpc: "2.0", result: { holdState: "held" } });
  await holding;
  assert.equal(call.state, "held");
  assert.equal(socket.requests("verto.modify")[0].params.action, "hold");
  const unholding = call.unhold();
  socket.answer("verto.modify", { jsonrpc: "2.0", result: { holdState: "active" } });
  await unholding;
  assert.equal(call.state, "active");
  call.mute(true);
  assert.equal(call.stream.track.enabled, false);
  call.mute(false);
  assert.equal(call.stream.track.enabled, true);
  assert.equal(socket.requests("verto.modify").length, 2);
});

test("verto.ping gets its reply", async () => {
  const { socket } = await loggedIn();
  socket.deliver({ jsonrpc: "2.0", id: 77, method: "verto.ping", params: { serno: 1 } });
  assert.deepEqual(socket.replies().at(-1), { jsonrpc: "2.0", id: 77,
                                              result: { method: "verto.ping" } });
});

test("verto.punt (another tab took over): the calls end and it does not reconnect",
  async () => {
    const { verto, socket } = await loggedIn();
    const call = await placed(verto, socket);
    socket.deliver({ jsonrpc: "2.0", id: 90, method: "verto.punt", params: {} });
    assert.equal(verto.state, "punted");
    assert.ok(socket.closed);
    assert.equal(call.cause, "punted");
    assert.equal(timers.live().length, 0);
  });

test("a dropped socket reconnects with a new credential; the switch re-attaches the call",
  async () => {
    const { verto, socket, call } = await inCall();
    const seen = states(verto);
    socket.drop();
    assert.equal(verto.state, "disconnected");
    assert.equal(call.state, "active");  // the switch keeps it a while
    assert.equal(timers.fireNext(), 1000);
    await settled();
    const again = FakeSocket.made.at(-1);
    assert.notEqual(again, socket);
    again.open();
    await settled();
    again.answer("login", LOGGED_IN);
    // The switch offers the call anew (verto.attach), then says it is ready.
    again.deliver({ jsonrpc: "2.0", id: 12, method: "verto.attach",
                    params: { callID: CALL_ID, sdp: INCOMING[2].params.sdp } });
    await settled();
    again.deliver({ ...READY, params: { reattached_sessions: [CALL_ID] } });
    await settled();
    const [attach] = again.requests("verto.attach");
    assert.deepEqual(attach.params.dialogParams, { callID: CALL_ID });
    assert.equal(attach.params.sdp, "v=0\r\no=browser answer\r\na=candidate:host\r\n");
    again.answer("verto.attach", { jsonrpc: "2.0", result: {} });
    await settled();
    assert.equal(call.state, "active");
    assert.equal(credentials.length, 2);
    assert.deepEqual(seen, ["disconnected", "connecting", "ready"]);
    assert.equal(FakePeerConnection.made.length, 2);
    assert.ok(FakePeerConnection.made[0].closed);
  });

test("a call the switch does not re-attach after a reconnect is over", async () => {
  const { verto, socket, call } = await inCall();
  socket.drop();
  timers.fireNext();
  await settled();
  const again = FakeSocket.made.at(-1);
  again.open();
  await settled();
  again.answer("login", LOGGED_IN);
  again.deliver(READY);  // reattached_sessions: []
  await settled();
  assert.equal(call.cause, "lost");
  assert.equal(verto.state, "ready");
});

test("the offer waits for ICE gathering, or goes with what there is after the timeout",
  async () => {
    FakePeerConnection.gathering = "gathering";
    const { verto, socket } = await loggedIn(client({ iceTimeout: 2500 }));
    verto.call("102");
    await settled();
    assert.equal(socket.requests("verto.invite").length, 0);
    FakePeerConnection.made[0].gathered();
    await settled();
    assert.equal(socket.requests("verto.invite").length, 1);
    verto.calls.clear();
    verto.call("103");
    await settled();
    assert.equal(socket.requests("verto.invite").length, 1);
    assert.equal(timers.live().at(-1).delay, 2500);
    timers.fireNext();
    await settled();
    assert.equal(socket.requests("verto.invite").length, 2);
  });

test("a call before the dialer is connected is refused; frames that are not JSON-RPC are ignored",
  async () => {
    const verto = client();
    await assert.rejects(verto.call("102"), /not connected/);
    const { socket } = await loggedIn(verto);
    for (const junk of ["not json", "null", "42", JSON.stringify({ id: 999, result: {} }),
                        JSON.stringify({ jsonrpc: "2.0", id: 5, method: "verto.unknown" })]) {
      socket.deliver(junk);
    }
    assert.equal(verto.state, "ready");
    assert.equal(verto.calls.size, 0);
  });

test("an invite the switch refuses ends the call and says why", async () => {
  const { verto, socket } = await loggedIn();
  const placing = verto.call("999");
  await settled();
  socket.answer("verto.invite", { jsonrpc: "2.0",
                                  error: { code: -32601, message: "Permission Denied" } });
  await assert.rejects(placing, /Permission Denied/);
  assert.equal(verto.calls.size, 0);
  assert.ok(FakePeerConnection.made[0].closed);
});

test("media that never connects ends the call with a bye", async () => {
  const { verto, socket, call } = await inCall();
  FakePeerConnection.made[0].iceFails();
  assert.equal(call.state, "ended");
  assert.equal(call.cause, "media-failed");
  assert.equal(socket.requests("verto.bye").at(-1).params.cause, "MEDIA_TIMEOUT");
  assert.equal(verto.calls.size, 0);
});
