// The web phone page (dialer/index.html): the dialer beside the portal, whose pages open
// in the frame next to it, so that moving between them keeps the Verto connection (and a
// call) up. Click-to-dial forms in those pages call from here while the dialer is ready.

import { VertoClient } from "./verto.js";

const $ = (selector) => document.querySelector(selector);
const strings = JSON.parse($("#dialer-strings").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const frame = $("#portal-frame");
const number = $("#dialer-number");
const status = $("#dialer-status");
const buttons = {
  call: $("#dialer-call"), hangup: $("#dialer-hangup"), mute: $("#dialer-mute"),
  hold: $("#dialer-hold"), answer: $("#dialer-answer"), decline: $("#dialer-decline"),
};
const DIALLABLE = /^\+?[0-9*#]{1,32}$/;

let current = null;  // the call in progress (or ringing)
let ticker = null;
let ringer = null;
let notice = null;

function say(text, state) {
  status.textContent = text;
  status.dataset.state = state;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

// What the portal gives for each login: null once the portal session is over.
async function credential() {
  const answer = await fetch("/dialer/credential", {
    method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } });
  if (answer.redirected || answer.status === 401 || answer.status === 403) return null;
  if (!answer.ok) throw new Error(`the portal answered ${answer.status}`);
  return answer.json();
}

const verto = new VertoClient({ credential });

verto.addEventListener("state", (event) => {
  const state = event.detail.state;
  if (!current) say(strings[state] || state, state);
  buttons.call.disabled = state !== "ready" || Boolean(current);
});

verto.addEventListener("incoming", (event) => {
  const call = event.detail.call;
  if (current) {  // one call at a time: the desk phone may take this one
    call.decline();
    return;
  }
  follow(call);
  $("#dialer-incoming-party").textContent = party(call);
  $("#dialer-incoming").hidden = false;
  ring(true);
  notify(call);
});

function party(call) {
  return call.name && call.name !== call.number ? `${call.name} ${call.number}` : call.number;
}

function follow(call) {
  current = call;
  call.addEventListener("state", () => show(call));
  call.addEventListener("display", () => show(call));
  call.addEventListener("remote-stream", (event) => { $("#dialer-audio").srcObject = event.detail.stream; });
  call.addEventListener("ended", () => ended(call));
  show(call);
}

function show(call) {
  if (call !== current) return;
  const state = call.state;
  const text = strings[state] || state;
  say(fill(text, { number: call.number }), state);
  const live = state === "active" || state === "held";
  $("#dialer-party").hidden = false;
  $("#dialer-party").textContent = party(call);
  buttons.call.disabled = true;
  buttons.hangup.disabled = state === "ended" || state === "ringing";
  buttons.mute.disabled = !live;
  buttons.hold.disabled = !live;
  buttons.mute.textContent = call.muted ? strings.unmute : strings.mute;
  buttons.mute.setAttribute("aria-pressed", String(call.muted));
  buttons.hold.textContent = call.held ? strings.resume : strings.hold;
  buttons.hold.setAttribute("aria-pressed", String(call.held));
  if (state !== "ringing") {
    $("#dialer-incoming").hidden = true;
    ring(false);
  }
  if (live && !ticker) startTimer(call);
}

function startTimer(call) {
  const timer = $("#dialer-timer");
  timer.hidden = false;
  const tick = () => {
    const seconds = Math.floor((Date.now() - (call.answeredAt || Date.now())) / 1000);
    timer.textContent = `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  ticker = setInterval(tick, 1000);
}

function ended(call) {
  if (call !== current) return;
  current = null;
  clearInterval(ticker);
  ticker = null;
  ring(false);
  if (notice) notice.close();
  notice = null;
  $("#dialer-incoming").hidden = true;
  $("#dialer-party").hidden = true;
  $("#dialer-timer").hidden = true;
  say(strings.ended, "ended");
  buttons.hangup.disabled = buttons.mute.disabled = buttons.hold.disabled = true;
  buttons.call.disabled = verto.state !== "ready";
}

async function dial(destination) {
  const wanted = String(destination || "").trim();
  if (!DIALLABLE.test(wanted)) {
    say(strings.noNumber, "invalid");
    return false;
  }
  if (current || verto.state !== "ready") return false;
  try {
    const call = await verto.call(wanted);
    if (call.state !== "ended") follow(call);
  } catch (error) {
    say(fill(strings.failed, { reason: error.message }), "failed");
  }
  return true;
}

function press(key) {
  if (current && (current.state === "active" || current.state === "held")) {
    current.dtmf(key);
  } else if (!current && number.value.length < 32) {
    number.value += key;
  }
}

// A ringing sound made here (no media file): two tones, on 1 s, off 2 s.
function ring(on) {
  if (!on) {
    if (ringer) ringer.stop();
    ringer = null;
    return;
  }
  if (ringer || !window.AudioContext) return;
  const context = new AudioContext();
  const gain = context.createGain();
  gain.gain.value = 0;
  gain.connect(context.destination);
  for (const frequency of [440, 480]) {
    const tone = context.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start();
  }
  const cadence = setInterval(() => {
    gain.gain.value = 0.1;
    setTimeout(() => { gain.gain.value = 0; }, 1000);
  }, 3000);
  gain.gain.value = 0.1;
  setTimeout(() => { gain.gain.value = 0; }, 1000);
  ringer = { stop: () => { clearInterval(cadence); context.close(); } };
}

function notify(call) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  notice = new Notification(strings.notificationTitle, { body: party(call), tag: call.id });
  notice.onclick = () => { window.focus(); };
}

// Buttons and keys.
for (const key of document.querySelectorAll(".keypad button")) {
  key.addEventListener("click", () => press(key.dataset.key));
}
buttons.call.addEventListener("click", () => dial(number.value));
buttons.hangup.addEventListener("click", () => current && current.hangup());
buttons.answer.addEventListener("click", () => {
  if (current) current.answer().catch((error) => say(fill(strings.failed, { reason: error.message }), "failed"));
});
buttons.decline.addEventListener("click", () => current && current.decline());
buttons.mute.addEventListener("click", () => current && current.mute(!current.muted));
buttons.hold.addEventListener("click", () => {
  if (current) (current.held ? current.unhold() : current.hold()).catch(() => {});
});
number.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    dial(number.value);
  } else if (current && /^[0-9*#]$/.test(event.key)) {  // in a call, keys are tones
    event.preventDefault();
    press(event.key);
  }
});
document.addEventListener("keydown", (event) => {
  if (event.target === number || event.ctrlKey || event.metaKey || event.altKey) return;
  if (/^[0-9*#]$/.test(event.key)) {
    press(event.key);
  } else if (event.key === "Enter" && !current) {
    dial(number.value);
  } else if (event.key === "Escape" && current) {
    current.hangup();
  } else if (event.key === "Backspace" && !current) {
    number.value = number.value.slice(0, -1);
  } else {
    return;
  }
  event.preventDefault();
});

// The framed portal: its click-to-dial forms (POST /dial) call from here while the dialer
// is ready (else they go on to the desk phone); its link here is hidden; its log-out and
// an ended session leave this page for the login page.
frame.addEventListener("load", () => {
  let page;
  try {
    page = frame.contentWindow.location;
  } catch (error) {
    return;  // not ours
  }
  if (page.pathname === "/login") {
    verto.stop();
    window.location.assign("/login");
    return;
  }
  history.replaceState(null, "", `/phone?page=${encodeURIComponent(page.pathname + page.search)}`);
  const framed = frame.contentDocument;
  for (const link of framed.querySelectorAll('a[href^="/phone"]')) link.hidden = true;
  framed.addEventListener("submit", (event) => {
    const form = event.target;
    if (new URL(form.action, page.href).pathname !== "/dial" || verto.state !== "ready" ||
        current) {
      return;
    }
    event.preventDefault();
    const wanted = new FormData(form).get("number");
    number.value = wanted || "";
    dial(wanted);
  });
});

if ("Notification" in window && Notification.permission === "default") {
  Notification.requestPermission().catch(() => {});
}
verto.start();
window.addEventListener("pagehide", () => verto.stop());
