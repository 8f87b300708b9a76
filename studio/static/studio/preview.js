// Rule studio preview: follows the counting task through its JSON status, then shows the result.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var state = box.querySelector("[data-preview-state]");
  var count = box.querySelector("[data-preview-count]");
  var bar = box.querySelector("progress");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        state.textContent = data.state_label;
        count.textContent = data.processed + " / " + data.total + " 件";
        bar.max = data.total || 1;
        bar.value = data.processed;
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
