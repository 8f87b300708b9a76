// The service worker for reminders: shows a pushed reminder and opens the checklist on a click.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "手続ナビ", {
    body: data.body || "",
    tag: data.tag,
    data: { url: data.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = event.notification.data && event.notification.data.url;
  if (url && new URL(url, self.location.origin).origin === self.location.origin) {
    event.waitUntil(self.clients.openWindow(url));
  }
});
