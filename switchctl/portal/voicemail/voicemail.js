// The voicemail list: a message played in the page is marked read, as the phone's menu
// marks a message it played (the lamp follows on the server). Without this script the
// "Mark read" buttons do the same.
(function () {
  "use strict";
  var table = document.getElementById("voicemail");
  var counts = document.getElementById("voicemail-counts");
  if (!table || !window.fetch || !window.FormData) { return; }
  // The page's texts, translated by the server (see voicemail/index.html).
  var strings = JSON.parse(document.getElementById("voicemail-strings").textContent);

  function showRead(row, found) {
    row.className = "read";
    row.querySelector(".status").textContent = strings.read;
    var button = row.querySelector("form.mark button");
    button.value = "0";
    button.textContent = strings.markUnread;
    counts.dataset.new = found.new;
    counts.dataset.saved = found.saved;
    counts.textContent = strings.counts.replace("{new}", found.new)
      .replace("{saved}", found.saved);
  }

  function markRead(row) {
    var form = row.querySelector("form.mark");
    if (!form || row.className !== "new") { return; }
    var data = new FormData(form);
    data.set("read", "1");
    data.set("reply", "json");
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) { if (found && found.read) { showRead(row, found); } })
      .catch(function () { /* the button still works */ });
  }

  Array.prototype.forEach.call(table.querySelectorAll("tr[data-message] audio"),
    function (audio) {
      var row = audio.closest("tr");
      audio.addEventListener("play", function () { markRead(row); }, { once: true });
    });
})();
