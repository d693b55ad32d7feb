// The send-fax form: files dropped on the zone or chosen with the picker are listed in
// order, an image with its preview, each with a Remove button. The list is what the
// form's own <input type=file multiple> holds (a DataTransfer assigned to input.files),
// so the form posts as an ordinary multipart form with its CSRF token. Without this
// script the picker alone does the same. Files larger than the domain allows (each, or
// all together: data-each-bytes, data-total-bytes) are marked and the form is not sent,
// saying why: a request over the server's limit would be cut off, not answered.
(function () {
  "use strict";
  var form = document.getElementById("fax-form");
  var input = document.getElementById("fax-files");
  var zone = document.getElementById("fax-drop");
  var list = document.getElementById("fax-chosen");
  if (!form || !input || !zone || !list || !window.DataTransfer) { return; }
  // The page's texts, translated by the server (see fax/send.html).
  var strings = JSON.parse(document.getElementById("fax-strings").textContent);
  var eachBytes = Number(form.dataset.eachBytes) || Infinity;
  var totalBytes = Number(form.dataset.totalBytes) || Infinity;
  var problem = document.getElementById("fax-too-large");
  var chosen = [];
  var previews = [];  // object URLs shown, revoked when the list is drawn again

  function size(bytes) {
    if (bytes < 1024 * 1024) {
      return strings.kilobytes.replace("{size}", Math.max(1, Math.round(bytes / 1024)));
    }
    return strings.megabytes.replace("{size}", (bytes / 1024 / 1024).toFixed(1));
  }

  function preview(file) {
    var image = document.createElement("img");
    image.className = "preview";
    image.alt = strings.preview.replace("{name}", file.name);
    image.src = URL.createObjectURL(file);
    previews.push(image.src);
    return image;
  }

  function entry(file, index) {
    var item = document.createElement("li");
    item.dataset.name = file.name;
    if (/^image\/(png|jpeg)$/.test(file.type)) { item.appendChild(preview(file)); }
    var label = document.createElement("span");
    label.className = "file";
    label.textContent = file.name + " · " + size(file.size);
    item.appendChild(label);
    if (file.size > eachBytes) {
      item.classList.add("too-large");
      var said = document.createElement("span");
      said.className = "error";
      said.textContent = strings.fileTooLarge;
      item.appendChild(said);
    }
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary remove";
    remove.textContent = strings.remove;
    remove.setAttribute("aria-label", strings.removeNamed.replace("{name}", file.name));
    remove.addEventListener("click", function () {
      chosen.splice(index, 1);
      update();
    });
    item.appendChild(remove);
    return item;
  }

  function update() {
    var transfer = new DataTransfer();
    chosen.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
    previews.forEach(function (url) { URL.revokeObjectURL(url); });
    previews = [];
    list.textContent = "";
    chosen.forEach(function (file, index) { list.appendChild(entry(file, index)); });
    if (!tooLarge()) { problem.hidden = true; }
  }

  function tooLarge() {
    var sum = 0;
    var each = false;
    chosen.forEach(function (file) {
      sum += file.size;
      each = each || file.size > eachBytes;
    });
    return each || sum > totalBytes;
  }

  form.addEventListener("submit", function (event) {
    if (!tooLarge()) { return; }
    event.preventDefault();
    problem.textContent = strings.tooLarge;
    problem.hidden = false;
  });

  function add(files) {
    Array.prototype.push.apply(chosen, Array.prototype.slice.call(files));
    update();
  }

  // The picker hands over what was just picked: added after those chosen before.
  input.addEventListener("change", function () { add(input.files); });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) { add(event.dataTransfer.files); }
  });
  // A file dropped beside the zone is not opened in place of the page (and the form).
  ["dragover", "drop"].forEach(function (name) {
    window.addEventListener(name, function (event) { event.preventDefault(); });
  });

  var cover = document.getElementById("fax-cover");
  var fields = document.getElementById("fax-cover-fields");
  function showCover() { fields.hidden = !cover.checked; }
  cover.addEventListener("change", showCover);
  showCover();
  if (input.files.length) { add(input.files); }  // files the browser kept on going back: listed
})();
