// Copy buttons: <button data-copy="input-id" data-copied="Copied"> copies the input's value
// (the CSP allows no inline handlers). Without the clipboard API the text is selected instead.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    var input = button && document.getElementById(button.dataset.copy);
    if (!input) return;
    input.select();
    var done = function () {
      var label = button.textContent;
      button.textContent = button.dataset.copied || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });
})();
