// salesdesk: small behaviours on top of htmx. Pages work without this file.
(function () {
  "use strict";
  // Every htmx request carries the CSRF token; <body hx-headers> already does this in
  // htmx 2, this keeps it true for requests made from outside <body> too.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && !event.detail.headers["X-CSRFToken"]) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });
  // A step opened in place (e.g. completing a task) closes with its Cancel link, no reload.
  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("[data-dismiss]");
    var box = dismiss && dismiss.closest(".dismissable");
    if (box) {
      event.preventDefault();
      box.remove();
    }
  });
  // A print button (the CSP allows no inline onclick).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  // Close the user menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
