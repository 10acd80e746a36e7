// The quote editor (templates/quotes/editor.html). Every change of a field posts the form so the
// server recomputes amounts and totals; picking a product to add is not a change of the quote (its
// button adds it), so that change stops here instead of reaching the form's htmx trigger.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-no-recalc]")) event.stopPropagation();
  }, true);
})();
