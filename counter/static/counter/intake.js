// QR intake by camera: getUserMedia → video → canvas → jsQR (vendored; Chromium on Linux and
// Windows has no BarcodeDetector). A decoded link is put into the scanner's field and sent, as a
// USB scanner would type it. The page works without this script: the field takes the scanner.
(function () {
  "use strict";
  var start = document.getElementById("camera-start");
  var video = document.getElementById("camera-video");
  var canvas = document.getElementById("camera-canvas");
  var status = document.getElementById("camera-status");
  var field = document.getElementById("id_link");
  var form = document.getElementById("intake-form");
  if (!start || !video || !canvas || !field || !form) { return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") {
    start.disabled = true;
    status.textContent = "このブラウザではカメラを使えません。スキャナーをお使いください。";
    return;
  }
  var stream = null;
  var context = canvas.getContext("2d", { willReadFrequently: true });
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
  }
  function looksLikeLink(text) {
    return /\/c\/[A-Za-z0-9_-]{43}\/?/.test(text) || /^[A-Za-z0-9_-]{43}$/.test(text);
  }
  function tick() {
    if (!stream) { return; }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data && looksLikeLink(code.data)) {
        stop();
        field.value = code.data;
        status.textContent = "読み取りました。受付を始めます。";
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }
  start.addEventListener("click", function () {
    status.textContent = "カメラを起動しています…";
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        return video.play();
      })
      .then(function () {
        status.textContent = "QR コードをカメラに向けてください。";
        window.requestAnimationFrame(tick);
      })
      .catch(function () {
        stop();
        status.textContent = "カメラを使えませんでした。スキャナーをお使いください。";
      });
  });
})();
