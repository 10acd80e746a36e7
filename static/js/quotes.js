// The quote editor (templates/quotes/editor.html). Every change of a field posts the form so the
// server recomputes amounts and totals; picking a product to add is not a change of the quote (its
// button adds it), so that change stops here instead of reaching the form's htmx trigger.
//
// An answer is drawn only if the form still holds what was posted: a field typed into while the
// answer was on its way (the next field after a description, say) would otherwise be replaced by
// the posted, older form. The typed field's own change posts the newer form, whose answer is drawn.
(function () {
  "use strict";
  var EDITOR = "#quote-editor";
  var posted = null;

  function state(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-no-recalc]")) event.stopPropagation();
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.matches(EDITOR)) posted = state(event.detail.elt);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.target;
    if (!form.matches(EDITOR) || !event.detail.shouldSwap || posted === null) return;
    if (state(form) !== posted) event.detail.shouldSwap = false;
  });
})();
