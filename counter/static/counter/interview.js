// The interview's list updates as answers change (the page also works by plain submit):
// the form is posted in the background and the server sends back the list alone.
(function () {
  "use strict";
  var form = document.getElementById("interview");
  var side = document.querySelector("[data-live-url]");
  if (!form || !side || !side.dataset.liveUrl || !window.fetch) { return; }
  var timer = null;
  var pending = null;
  function refresh() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var data = new FormData(form);
    fetch(side.dataset.liveUrl, {
      method: "POST",
      body: data,
      headers: { "X-Counter-Live": "1" },
      credentials: "same-origin",
      signal: pending.signal
    }).then(function (response) {
      if (!response.ok) { return null; }
      return response.text();
    }).then(function (html) {
      if (html === null) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#checklist");
      var old = document.getElementById("checklist");
      if (fresh && old) { old.replaceWith(fresh); }
    }).catch(function () { /* offline or aborted: plain submit still works */ });
  }
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
})();
