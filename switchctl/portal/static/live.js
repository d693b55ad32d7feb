// The extension list, kept live from /events (server-sent events).
(function () {
  "use strict";
  var table = document.getElementById("extensions");
  var link = document.getElementById("switch-link");
  var incoming = document.getElementById("incoming");
  var askButton = document.getElementById("notifications");
  if (!table || !window.EventSource) { return; }
  // The page's texts, translated by the server (see extensions/list.html).
  var strings = JSON.parse(document.getElementById("strings").textContent);
  var RETRY_MS = 5000;

  // Click-to-dial: the form of extensions/list.html's template, on idle extensions other
  // than the user's own (no template: the login may not dial, no column either).
  var dialForm = document.getElementById("dial-form");
  var me = table.dataset.me;
  var columns = dialForm ? 4 : 3;

  function setDial(row, number, state) {
    var cell = row.querySelector(".dial");
    if (!cell) { return; }
    var wanted = state === "idle" && number !== me;
    var form = cell.querySelector("form");
    if (wanted && !form) {
      form = dialForm.content.firstElementChild.cloneNode(true);
      form.querySelector('input[name="number"]').value = number;
      form.querySelector("button").title = strings.dialTitle.replace("{number}", number);
      cell.appendChild(form);
    } else if (!wanted && form) {
      cell.removeChild(form);
    }
  }

  function setState(number, state) {
    var row = table.querySelector('tr[data-extension="' + CSS.escape(number) + '"]');
    if (!row) { return; }
    var cell = row.querySelector(".state");
    cell.textContent = strings.states[state] || state;
    cell.className = "state state-" + state.replace(/ /g, "-");
    setDial(row, number, state);
  }

  function render(rows) {
    // The snapshot is the whole list: extensions added, removed or renamed show at once.
    var body = table.tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.extension = row.number;
      [row.number, row.name, ""].forEach(function (text) {
        var td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      tr.lastChild.className = "state";
      if (dialForm) {
        var dial = document.createElement("td");
        dial.className = "dial";
        tr.appendChild(dial);
      }
      body.appendChild(tr);
      setState(row.number, row.state);
    });
    if (!rows.length) {
      var empty = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = columns;
      cell.textContent = strings.noData;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
  }

  function setLink(online) {
    link.className = online ? "online" : "offline";
    link.textContent = online ? strings.online : strings.offline;
  }

  function announce(call) {
    var text = (call.name ? strings.incomingFromNamed : strings.incomingFrom)
      .replace(/\{(number|name)\}/g, function (_, key) { return call[key]; });
    incoming.textContent = text;
    incoming.hidden = false;
    if (window.Notification && Notification.permission === "granted") {
      new Notification(strings.incomingTitle, { body: text, tag: call.uuid });
    }
  }

  // Browsers grant notifications only from a click: offer the button until decided.
  if (askButton && window.Notification && Notification.permission === "default") {
    askButton.hidden = false;
    askButton.addEventListener("click", function () {
      Notification.requestPermission().then(function () { askButton.hidden = true; });
    });
  }

  function connect() {
    var source = new EventSource("/events");
    source.addEventListener("extensions", function (e) {
      var data = JSON.parse(e.data);
      setLink(data.online);
      render(data.extensions);
      table.dataset.live = "on";
    });
    source.addEventListener("state", function (e) {
      var data = JSON.parse(e.data);
      setState(data.extension, data.state);
    });
    source.addEventListener("switch", function (e) { setLink(JSON.parse(e.data).online); });
    source.addEventListener("call", function (e) { announce(JSON.parse(e.data)); });
    source.addEventListener("logout", function () {
      source.close();
      window.location = "/login";
    });
    source.addEventListener("unavailable", function () { source.close(); later(); });
    source.onerror = function () {
      // The browser retries by itself unless the server refused (session over, no
      // database): then look again in a while; the page itself goes to the login if due.
      if (source.readyState === EventSource.CLOSED) { later(); }
    };
  }

  function later() {
    table.dataset.live = "off";
    setLink(false);
    window.setTimeout(function () { window.location.reload(); }, RETRY_MS);
  }

  connect();
}());
