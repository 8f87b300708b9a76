// The interview's list updates as answers change (the page also works by plain submit): the
// form is posted in the background as a preview (the server saves nothing) and sends back the
// list alone. An answer that changes which questions are asked (data-reshapes) brings back the
// whole form too, and focus stays on the field it was on. Enter or the save button saves.
(function () {
  "use strict";
  var side = document.querySelector("[data-live-url]");
  if (!side || !side.dataset.liveUrl || !window.fetch || !window.DOMParser) { return; }
  var timer = null;
  var pending = null;
  var edits = 0;  // typing while a reshape is on its way: keep the form as it is then
  document.addEventListener("input", function () { edits += 1; });
  function refresh(mode) {
    var sentAt = edits;
    var form = document.getElementById("interview");
    if (!form) { return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(side.dataset.liveUrl, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Counter-Live": mode },
      credentials: "same-origin",
      signal: pending.signal
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null) { return; }
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("checklist");
      var old = document.getElementById("checklist");
      if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
      if (mode === "page" && edits === sentAt) {
        var newForm = doc.getElementById("interview");
        var focused = document.activeElement && document.activeElement.id;
        if (newForm) {
          form.replaceWith(document.importNode(newForm, true));
          var again = focused && document.getElementById(focused);
          if (again) { again.focus(); }
        }
      }
    }).catch(function () { /* offline or aborted: plain submit still works */ });
  }
  document.addEventListener("change", function (event) {
    if (!event.target.form || event.target.form.id !== "interview") { return; }
    window.clearTimeout(timer);
    if (event.target.closest("[data-reshapes]")) { return refresh("page"); }
    timer = window.setTimeout(function () { refresh("1"); }, 250);
  });
})();
