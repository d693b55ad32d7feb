// The browser dialer's Verto client: JSON-RPC 2.0 over a WebSocket to FreeSWITCH's
// mod_verto (src/mod/endpoints/mod_verto/mod_verto.c), audio over an RTCPeerConnection.
//
// A VertoClient logs in with a credential the portal gives it for each (re)connect
// (never the SIP password), reconnects with back-off when the socket drops, and makes
// and takes Calls. Every request of the switch gets a result reply, as the protocol
// wants. Its collaborators (WebSocket, RTCPeerConnection, getUserMedia, timers, ids)
// are passed in, so that tests/js/ runs it in Node on frames recorded from the switch.
//
// Client events: "state" (detail.state: connecting, ready, disconnected, refused,
// signed-out, punted, stopped), "incoming" (detail.call). Call events: "state"
// (trying, early, ringing, active, held, ended), "display", "remote-stream"
// (detail.stream), "ended" (detail.cause).

const DIGITS = /^[0-9*#A-D]{1,32}$/;
const BACKOFF = [1000, 2000, 4000, 8000, 16000, 30000];

export class VertoError extends Error {
  constructor(code, message) {
    super(message || `Verto error ${code}`);
    this.code = code;
  }
}

function emit(target, type, detail = {}) {
  target.dispatchEvent(new CustomEvent(type, { detail }));
}

export class VertoClient extends EventTarget {
  constructor(options) {
    super();
    // credential(): {login, password, url}, or null when the portal session is over.
    this.credential = options.credential;
    this.WebSocket = options.WebSocket || globalThis.WebSocket;
    this.PeerConnection = options.PeerConnection || globalThis.RTCPeerConnection;
    this.getUserMedia = options.getUserMedia ||
      ((constraints) => navigator.mediaDevices.getUserMedia(constraints));
    this.setTimer = options.setTimeout || ((f, ms) => globalThis.setTimeout(f, ms));
    this.clearTimer = options.clearTimeout || ((t) => globalThis.clearTimeout(t));
    this.newId = options.newId || (() => crypto.randomUUID());
    this.iceTimeout = options.iceTimeout ?? 3000;
    this.backoff = options.backoff || BACKOFF;
    this.sessid = this.newId();
    this.state = "stopped";
    this.login = "";
    this.number = "";
    this.socket = null;
    this.calls = new Map();
    this._pending = new Map();
    this._nextId = 1;
    this._failures = 0;
    this._timer = null;
    this._reconnecting = false;
  }

  start() {
    if (this.state !== "stopped" && this.state !== "signed-out") return;
    this._connect();
  }

  stop() {
    this._setState("stopped");
    this._cancelRetry();
    for (const call of [...this.calls.values()]) call.hangup();
    this._drop();
  }

  async call(destination) {
    if (this.state !== "ready") throw new Error("the dialer is not connected");
    const call = new Call(this, { callID: this.newId(), direction: "outbound",
                                  number: destination, name: destination });
    this.calls.set(call.id, call);
    try {
      const sdp = await call._offer();
      await this._request("verto.invite", { sdp, dialogParams: {
        callID: call.id, destination_number: destination,
        caller_id_number: this.number, caller_id_name: this.number,
        remote_caller_id_number: destination, remote_caller_id_name: destination } });
    } catch (error) {
      call._end("failed");
      throw error;
    }
    return call;
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    emit(this, "state", { state });
  }

  async _connect() {
    this._timer = null;
    this._setState("connecting");
    let given;
    try {
      given = await this.credential();
    } catch (error) {
      this._retry();
      return;
    }
    if (this.state !== "connecting") return;  // stopped meanwhile
    if (!given) {
      this._setState("signed-out");
      return;
    }
    this.login = given.login;
    this.number = given.login.split("@")[0];
    let socket;
    try {
      socket = new this.WebSocket(given.url);
    } catch (error) {
      this._retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this._logIn(socket, given);
    socket.onmessage = (event) => { if (this.socket === socket) this._receive(event.data); };
    socket.onclose = () => this._closed(socket);
    socket.onerror = () => {};  // a close follows
  }

  async _logIn(socket, given) {
    try {
      await this._request("login", { login: given.login, passwd: given.password });
    } catch (error) {
      if (this.socket !== socket) return;
      this._setState("refused");
      this._drop();
      this._retry();
      return;
    }
    this._failures = 0;
  }

  _closed(socket) {
    if (this.socket !== socket) return;
    this.socket = null;
    this._rejectPending();
    if (this.state === "stopped" || this.state === "punted") return;
    this._setState("disconnected");
    this._reconnecting = this.calls.size > 0;
    this._retry();
  }

  _drop() {
    const socket = this.socket;
    this.socket = null;
    this._rejectPending();
    if (socket) {
      try { socket.close(); } catch (error) { /* already closed */ }
    }
  }

  _rejectPending() {
    for (const waiting of this._pending.values()) waiting.reject(new Error("disconnected"));
    this._pending.clear();
  }

  _retry() {
    if (this.state === "stopped" || this.state === "punted" || this._timer) return;
    const delay = this.backoff[Math.min(this._failures, this.backoff.length - 1)];
    this._failures += 1;
    this._timer = this.setTimer(() => this._connect(), delay);
  }

  _cancelRetry() {
    if (this._timer) this.clearTimer(this._timer);
    this._timer = null;
  }

  _send(message) {
    if (!this.socket) throw new Error("disconnected");
    this.socket.send(JSON.stringify(message));
  }

  _request(method, params) {
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject });
      try {
        this._send({ jsonrpc: "2.0", id, method, params: { sessid: this.sessid, ...params } });
      } catch (error) {
        this._pending.delete(id);
        reject(error);
      }
    });
  }

  _receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch (error) {
      return;  // not JSON: nothing the switch sends
    }
    if (!message || typeof message !== "object") return;
    if (typeof message.method === "string") {
      this._send({ jsonrpc: "2.0", id: message.id, result: { method: message.method } });
      this._onRequest(message.method, message.params || {});
      return;
    }
    const waiting = this._pending.get(message.id);
    if (!waiting) return;
    this._pending.delete(message.id);
    if (message.error) waiting.reject(new VertoError(message.error.code, message.error.message));
    else waiting.resolve(message.result || {});
  }

  _onRequest(method, params) {
    const call = this.calls.get(params.callID);
    switch (method) {
      case "verto.clientReady":
        this._ready(params.reattached_sessions || []);
        break;
      case "verto.invite":
        this._incoming(params);
        break;
      case "verto.media":
        if (call) call._remote(params.sdp, "early");
        break;
      case "verto.answer":
        if (call) call._remote(params.sdp, "active");
        break;
      case "verto.bye":
        if (call) call._end(params.cause || "NORMAL_CLEARING");
        break;
      case "verto.display":
        if (call) call._display(params);
        break;
      case "verto.attach":
        this._attach(call, params);
        break;
      case "verto.punt":  // another login of this session took over
        this._setState("punted");
        this._cancelRetry();
        for (const each of [...this.calls.values()]) each._end("punted");
        this._drop();
        break;
      default:  // verto.ping and the rest: the reply was all they wanted
        break;
    }
  }

  _ready(reattached) {
    if (this._reconnecting) {
      // The switch keeps answered calls for a while after the socket drops and sends
      // verto.attach for them; a call it does not name is gone.
      for (const call of [...this.calls.values()]) {
        if (!reattached.includes(call.id) && !call._attaching) call._end("lost");
      }
      this._reconnecting = false;
    }
    this._setState("ready");
  }

  _incoming(params) {
    if (!params.callID || !params.sdp || this.calls.has(params.callID)) return;
    const call = new Call(this, {
      callID: params.callID, direction: "inbound", offer: params.sdp,
      number: params.caller_id_number || "", name: params.caller_id_name || "" });
    this.calls.set(call.id, call);
    emit(this, "incoming", { call });
  }

  async _attach(call, params) {
    if (!params.callID || !params.sdp) return;
    if (!call) {  // a call of an earlier page: nobody here to talk in it
      this._request("verto.bye", { dialogParams: { callID: params.callID } }).catch(() => {});
      return;
    }
    call._attaching = true;
    try {
      const sdp = await call._answerOffer(params.sdp);
      await this._request("verto.attach", { sdp, dialogParams: { callID: call.id } });
      call._setState(call.held ? "held" : "active");
    } catch (error) {
      call._end("lost");
    } finally {
      call._attaching = false;
    }
  }
}

export class Call extends EventTarget {
  constructor(client, { callID, direction, number, name, offer }) {
    super();
    this.client = client;
    this.id = callID;
    this.direction = direction;
    this.number = number;
    this.name = name;
    this.offer = offer || "";
    this.state = direction === "inbound" ? "ringing" : "trying";
    this.answeredAt = null;
    this.muted = false;
    this.held = false;
    this.cause = "";
    this.pc = null;
    this.stream = null;
    this._remoteSet = false;
    this._attaching = false;
  }

  async answer() {
    if (this.direction !== "inbound" || this.state !== "ringing") return;
    this._setState("trying");
    try {
      const sdp = await this._answerOffer(this.offer);
      await this.client._request("verto.answer", { sdp, dialogParams: { callID: this.id } });
    } catch (error) {
      this.hangup();
      throw error;
    }
    this._answered();
  }

  decline() {
    this._bye("CALL_REJECTED", 21);
    this._end("declined");
  }

  hangup() {
    if (this.state === "ended") return;
    this._bye("NORMAL_CLEARING", 16);
    this._end("hangup");
  }

  dtmf(digits) {
    if (!DIGITS.test(String(digits)) || (this.state !== "active" && this.state !== "held")) {
      return false;
    }
    this.client._request("verto.info", { dtmf: String(digits), dialogParams: { callID: this.id } })
      .catch(() => {});
    return true;
  }

  async hold() { return this._modify("hold"); }

  async unhold() { return this._modify("unhold"); }

  mute(on) {
    this.muted = Boolean(on);
    for (const track of this.stream ? this.stream.getAudioTracks() : []) {
      track.enabled = !this.muted;
    }
    this._setState(this.state);  // the page redraws its buttons
  }

  async _modify(action) {
    if (this.state !== "active" && this.state !== "held") return false;
    const result = await this.client._request("verto.modify", {
      action, dialogParams: { callID: this.id } });
    this.held = (result.holdState || (action === "hold" ? "held" : "active")) === "held";
    this._setState(this.held ? "held" : "active");
    return true;
  }

  _bye(cause, causeCode) {
    this.client._request("verto.bye", { cause, causeCode, dialogParams: { callID: this.id } })
      .catch(() => {});  // the socket is gone: the switch hangs up the detached call
  }

  async _media() {
    if (!this.stream) this.stream = await this.client.getUserMedia({ audio: true, video: false });
    if (this.state === "ended") throw new Error("the call ended");
    if (this.pc) this.pc.close();
    // No "max-bundle": the switch's offers carry no BUNDLE group, which Chromium then
    // refuses ("max-bundle configured but session description has no BUNDLE group").
    const pc = new this.client.PeerConnection({ iceServers: [], rtcpMuxPolicy: "require" });
    this.pc = pc;
    for (const track of this.stream.getAudioTracks()) {
      track.enabled = !this.muted;
      pc.addTrack(track, this.stream);
    }
    pc.ontrack = (event) => emit(this, "remote-stream", { stream: event.streams[0] });
    // Media that never connects (or is lost for good) ends the call rather than leave it
    // "in a call" with no sound.
    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc === this.pc && pc.iceConnectionState === "failed") {
        this._bye("MEDIA_TIMEOUT", 604);
        this._end("media-failed");
      }
    });
    return pc;
  }

  async _offer() {
    const pc = await this._media();
    await pc.setLocalDescription(await pc.createOffer());
    return this._gathered(pc);
  }

  async _answerOffer(offer) {
    const pc = await this._media();
    this._remoteSet = true;
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    return this._gathered(pc);
  }

  // The local description once its ICE candidates are in it (the switch takes no
  // trickled ones), or what there is after iceTimeout.
  _gathered(pc) {
    return new Promise((resolve) => {
      let timer = null;
      const done = () => {
        pc.removeEventListener("icegatheringstatechange", check);
        if (timer) this.client.clearTimer(timer);
        resolve(pc.localDescription.sdp);
      };
      const check = () => { if (pc.iceGatheringState === "complete") done(); };
      if (pc.iceGatheringState === "complete") {
        resolve(pc.localDescription.sdp);
        return;
      }
      pc.addEventListener("icegatheringstatechange", check);
      timer = this.client.setTimer(done, this.client.iceTimeout);
    });
  }

  async _remote(sdp, state) {
    if (this.state === "ended") return;
    if (sdp && !this._remoteSet && this.pc) {
      this._remoteSet = true;
      try {
        await this.pc.setRemoteDescription({ type: "answer", sdp });
      } catch (error) {
        this.hangup();
        return;
      }
    }
    if (state === "active") this._answered();
    else if (this.state === "trying") this._setState("early");
  }

  _answered() {
    if (this.state === "ended") return;
    this.answeredAt = this.answeredAt || Date.now();
    this._setState("active");
  }

  _display(params) {
    this.name = params.display_name || this.name;
    this.number = params.display_number || this.number;
    emit(this, "display", { name: this.name, number: this.number });
  }

  _setState(state) {
    this.state = state;
    emit(this, "state", { state });
  }

  _end(cause) {
    if (this.state === "ended") return;
    this.cause = cause;
    this.client.calls.delete(this.id);
    if (this.pc) this.pc.close();
    for (const track of this.stream ? this.stream.getTracks() : []) track.stop();
    this._setState("ended");
    emit(this, "ended", { cause });
  }
}
