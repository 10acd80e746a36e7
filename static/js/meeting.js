// Meeting mode's keys (templates/meetings/walk.html): each key clicks the button, or focuses the
// field, marked with data-key. j/→ next, k/← back, x skip, n note, y ヨミ, s stage, a next action,
// p pause/resume; Esc leaves a field, Ctrl+Enter sends the note. Everything also works without this
// script (plain forms and links).
(function () {
  "use strict";
  var ALIASES = { ArrowRight: "j", ArrowLeft: "k" };

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.key === "Enter" && event.target.tagName === "TEXTAREA" && event.target.form) {
      if (event.ctrlKey || event.metaKey) { event.preventDefault(); event.target.form.requestSubmit(); }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = ALIASES[event.key] || event.key;
    var element = document.querySelector('[data-key="' + key + '"]');
    if (!element || element.disabled) return;
    event.preventDefault();
    if (element.tagName === "BUTTON" || element.tagName === "A") element.click();
    else element.focus();
  });

  // A follower's poll answered 304 (the lead has not moved): keep the screen as it is.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 304) event.detail.shouldSwap = false;
  });
})();
