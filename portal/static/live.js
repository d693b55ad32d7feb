// The extension list, kept live from /events (server-sent events).
(function () {
  "use strict";
  var table = document.getElementById("extensions");
  var link = document.getElementById("switch-link");
  var incoming = document.getElementById("incoming");
  if (!table || !window.EventSource) { return; }

  function setState(number, state) {
    var row = table.querySelector('tr[data-extension="' + CSS.escape(number) + '"]');
    if (!row) { return; }
    var cell = row.querySelector(".state");
    cell.textContent = state;
    cell.className = "state state-" + state.replace(/ /g, "-");
  }

  function setLink(online) {
    link.className = online ? "online" : "offline";
    link.textContent = online ? "Phone system connected."
      : "The phone system is offline: states may be out of date.";
  }

  function announce(call) {
    var text = "Incoming call from " + call.number + (call.name ? " (" + call.name + ")" : "");
    incoming.textContent = text;
    incoming.hidden = false;
    if (window.Notification && Notification.permission === "granted") {
      new Notification("Incoming call", { body: text, tag: call.uuid });
    }
  }

  if (window.Notification && Notification.permission === "default") {
    Notification.requestPermission();
  }

  var source = new EventSource("/events");
  source.addEventListener("extensions", function (e) {
    var data = JSON.parse(e.data);
    setLink(data.online);
    data.extensions.forEach(function (row) { setState(row.number, row.state); });
  });
  source.addEventListener("state", function (e) {
    var data = JSON.parse(e.data);
    setState(data.extension, data.state);
  });
  source.addEventListener("switch", function (e) { setLink(JSON.parse(e.data).online); });
  source.addEventListener("call", function (e) { announce(JSON.parse(e.data)); });
  source.addEventListener("logout", function () { source.close(); window.location = "/login"; });
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) { setLink(false); }
  };
}());
