// salesdesk: filter forms whose results htmx swaps and pushes into the history (the board, the deal
// list, the forecast, the company list). On Back and Forward htmx restores the page's HTML, where
// each control shows what it was drawn with, not what the user chose since: the controls are set
// again from the restored URL, so the URL, the controls and the shown data agree.
(function () {
  "use strict";

  function syncFilters() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[hx-push-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (control) {
        if (!control.name || control.type === "submit" || control.type === "button") return;
        if (control.type === "checkbox" || control.type === "radio") {
          control.checked = params.getAll(control.name).indexOf(control.value) !== -1;
        } else if (control.tagName === "SELECT") {
          var wanted = params.get(control.name) || "";
          var option = Array.prototype.find.call(control.options, function (o) {
            return o.value === wanted;
          });
          control.value = option ? wanted : control.options.length ? control.options[0].value : "";
        } else {
          control.value = params.get(control.name) || "";
        }
      });
    });
  }

  document.addEventListener("htmx:historyRestore", syncFilters);
})();
