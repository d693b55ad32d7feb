// Stand-ins for the browser's parts the Verto client uses (WebSocket, RTCPeerConnection,
// getUserMedia, timers), and the frames recorded from the real switch (tests/data/verto/).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DATA = new URL("../data/verto/", import.meta.url);

// Node 18 (Debian 12's) has no global CustomEvent; browsers and Node 19+ do.
globalThis.CustomEvent ??= class CustomEvent extends Event {
  constructor(type, init = {}) {
    super(type, init);
    this.detail = init.detail ?? null;
  }
};

// The frames of a recording: [{direction: "sent" | "received", frame}].
export function recording(name) {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`${name}.json`, DATA)), "utf8"));
}

// The switch's frames of a recording, each ``{frame}`` with the method it answers or asks.
export function switchFrames(name) {
  return recording(name).filter((r) => r.direction === "received").map((r) => r.frame);
}

export class FakeSocket {
  static made = [];

  constructor(url) {
    this.url = url;
    this.sent = [];
    this.closed = false;
    FakeSocket.made.push(this);
  }

  send(text) {
    if (this.closed) throw new Error("send on a closed socket");
    this.sent.push(JSON.parse(text));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.({});
  }

  open() { this.onopen?.({}); }

  // The switch sends ``frame`` (an object, or raw text).
  deliver(frame) {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }

  // The switch's answer to the last request of ``method`` the client sent: ``frame``
  // with the client's id.
  answer(method, frame) {
    const asked = this.requests(method).at(-1);
    if (!asked) throw new Error(`the client sent no ${method} (sent: ${this.methods()})`);
    this.deliver({ ...frame, id: asked.id });
  }

  requests(method) { return this.sent.filter((m) => m.method === method); }

  methods() { return this.sent.map((m) => m.method || `reply ${m.id}`); }

  replies() { return this.sent.filter((m) => !m.method); }

  drop() {  // the network goes away
    this.closed = true;
    this.onclose?.({});
  }
}

export class FakeTrack {
  constructor() { this.enabled = true; this.stopped = false; }

  stop() { this.stopped = true; }
}

export class FakeStream {
  constructor() { this.track = new FakeTrack(); }

  getAudioTracks() { return [this.track]; }

  getTracks() { return [this.track]; }
}

export class FakePeerConnection extends EventTarget {
  static made = [];
  static gathering = "complete";  // the ICE gathering state a new one reports

  constructor(config) {
    super();
    this.config = config;
    this.tracks = [];
    this.remote = null;
    this.localDescription = null;
    this.closed = false;
    this.iceGatheringState = FakePeerConnection.gathering;
    FakePeerConnection.made.push(this);
  }

  addTrack(track, stream) { this.tracks.push({ track, stream }); }

  async createOffer() { return { type: "offer", sdp: "v=0\r\no=browser offer\r\n" }; }

  async createAnswer() { return { type: "answer", sdp: "v=0\r\no=browser answer\r\n" }; }

  async setLocalDescription(description) {
    this.localDescription = { ...description, sdp: `${description.sdp}a=candidate:host\r\n` };
  }

  async setRemoteDescription(description) {
    if (!String(description.sdp).startsWith("v=0")) throw new Error("bad SDP");
    this.remote = description;
  }

  iceFails() {
    this.iceConnectionState = "failed";
    this.dispatchEvent(new Event("iceconnectionstatechange"));
  }

  gathered() {
    this.iceGatheringState = "complete";
    this.dispatchEvent(new Event("icegatheringstatechange"));
  }

  close() { this.closed = true; }
}

// Timers a test fires by hand: {delay, fire()}.
export class FakeTimers {
  constructor() { this.pending = []; }

  setTimeout = (callback, delay) => {
    const timer = { callback, delay, cancelled: false };
    this.pending.push(timer);
    return timer;
  };

  clearTimeout = (timer) => { if (timer) timer.cancelled = true; };

  live() { return this.pending.filter((t) => !t.cancelled && !t.fired); }

  fireNext() {
    const timer = this.live()[0];
    if (!timer) throw new Error("no timer is waiting");
    timer.fired = true;
    timer.callback();
    return timer.delay;
  }
}

// Let the client's awaits run.
export function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function settled(times = 5) {
  for (let i = 0; i < times; i += 1) await settle();
}
