// salesdesk: the kanban board. Drag and drop (SortableJS), the card's move menu (board-menu.js) and the move
// dialog all send the same POST /deals/{id}/move and the server answers HTML: 200 the card and
// every column's figures (out of band), 422 the dialog asking what the stage still needs, 409 a
// note saying the deal changed meanwhile. Whatever refuses a move puts the card back where it
// was, with a message. Without this file the board still reads, and moves go through the move page.
(function () {
  "use strict";

  var dragPlace = null; // where the card being dragged came from
  var dialogState = null; // {card, place, dialog, done}
  var closedCard = null; // the card a won or lost move took off the board (the toast's undo)
  var pointer = { x: -1, y: -1 }; // where the pointer is while a card is dragged

  function board() {
    return document.getElementById("board");
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function isCard(el) {
    return !!(el && el.classList && el.classList.contains("deal-card"));
  }

  function siblingCard(el, forward) {
    var next = forward ? el.nextElementSibling : el.previousElementSibling;
    while (next && !isCard(next)) next = forward ? next.nextElementSibling : next.previousElementSibling;
    return next;
  }

  // --- putting a card back ------------------------------------------------------------------

  function placeOf(card) {
    return { parent: card.parentNode, next: card.nextSibling };
  }

  function putBack(card, place) {
    if (!place || !place.parent || !place.parent.isConnected) return;
    var next = place.next && place.next.parentNode === place.parent ? place.next : null;
    place.parent.insertBefore(card, next);
  }

  // --- messages -------------------------------------------------------------------------------

  function clearMessages() {
    var box = document.getElementById("board-messages");
    if (box) box.replaceChildren();
  }

  // The status toast ("moved to …", with an undo after won or lost) closes by itself, later while
  // the pointer or focus is on it, and at once with Esc. It sits at the top, never over a drop zone.
  var toastTimer = null;

  function statusBox() {
    return document.getElementById("board-status");
  }

  function closeToast() {
    clearTimeout(toastTimer);
    toastTimer = null;
    var box = statusBox();
    if (box) box.replaceChildren();
  }

  function scheduleToastClose() {
    var box = statusBox();
    clearTimeout(toastTimer);
    if (!box || !box.firstChild) return;
    var ms = parseInt(box.dataset.toastMs || "", 10) || (box.querySelector(".undo-move") ? 10000 : 5000);
    toastTimer = setTimeout(function () {
      if (box.matches(":hover, :focus-within")) scheduleToastClose();
      else closeToast();
    }, ms);
  }

  function showRefusal(status, html) {
    var box = document.getElementById("board-messages");
    if (!box) return;
    if (status === 409 && html) {
      box.innerHTML = html; // the server's note: who changed it, where it is now, reload
      return;
    }
    var text = status === 403 ? box.dataset.forbidden : status === 404 ? box.dataset.notFound : box.dataset.failed;
    var note = document.createElement("div");
    note.className = "flash flash-error dismissable move-refused";
    note.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = text + " ";
    var close = document.createElement("a");
    close.href = "#";
    close.setAttribute("data-dismiss", "");
    close.textContent = box.dataset.dismissLabel;
    p.appendChild(close);
    note.appendChild(p);
    box.replaceChildren(note);
  }

  // --- the move request -------------------------------------------------------------------------

  function fieldsFor(card, list) {
    var after = siblingCard(card, false);
    var before = siblingCard(card, true);
    return {
      stage_id: list.dataset.stageId,
      version: card.dataset.version,
      after_id: after ? after.dataset.dealId : "",
      before_id: before ? before.dataset.dealId : "",
    };
  }

  function send(card, fields, place, options) {
    var query = board() ? board().dataset.query : "";
    card.classList.add("is-saving");
    card.setAttribute("aria-busy", "true");
    return fetch("/deals/" + card.dataset.dealId + "/move" + (query ? "?" + query : ""), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "HX-Request": "true",
        "X-CSRFToken": csrfToken(),
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields).toString(),
    })
      .then(
        function (response) {
          return response.text().then(function (text) {
            return { status: response.status, text: text, redirect: response.headers.get("HX-Redirect") };
          });
        },
        function () {
          return { status: 0, text: "" }; // offline, server down: still never silent
        }
      )
      .then(function (answer) {
        card.classList.remove("is-saving");
        card.removeAttribute("aria-busy");
        answered(card, place, answer, options || {});
      });
  }

  function answered(card, place, answer, options) {
    if (answer.status === 422 && answer.text.indexOf('id="move-dialog"') !== -1) {
      openDialog(card, place, answer.text, options);
      return;
    }
    closeDialog();
    if (answer.status >= 200 && answer.status < 300) {
      clearMessages();
      showMoved(card, place, answer.text, options);
      return;
    }
    if (options.undo) card.remove(); // the undo was refused: the deal stays closed
    else putBack(card, place);
    if (answer.status === 401 && answer.redirect) {
      window.location.href = answer.redirect; // logged out meanwhile: log in, come back to the board
      return;
    }
    showRefusal(answer.status, answer.text);
    if (options.keyboard) focusMoveLink(card);
  }

  function showMoved(card, place, html, options) {
    var id = card.id;
    htmx.swap(card, html, { swapStyle: "outerHTML" });
    var fresh = document.getElementById(id);
    closedCard = fresh ? null : card; // won or lost: kept for the toast's undo
    scheduleToastClose();
    if (!options.keyboard || (fresh && fresh.hasAttribute("data-prompt-next"))) return;
    if (fresh) {
      focusMoveLink(fresh);
    } else if (place && isCard(place.next)) {
      focusMoveLink(place.next); // won or lost: the card left the board, go on with its neighbour
    }
  }

  function focusMoveLink(card) {
    var link = card && card.querySelector(".move-link");
    if (link) link.focus();
  }

  function dropped(card, list, place, options) {
    var more = list.querySelector(":scope > .more-cards");
    if (more && more.compareDocumentPosition(card) & Node.DOCUMENT_POSITION_FOLLOWING) {
      list.insertBefore(card, more); // cards stay above the column's "show more"
    }
    if (list.classList.contains("drop-zone")) askToClose(card, list, place, options);
    else send(card, fieldsFor(card, list), place, options);
  }

  // 受注 and 失注 never close at once: the dialog asks for the date (the amount, the reason, the
  // deal's open tasks) and only its submit moves the deal.
  function askToClose(card, zone, place, options) {
    var query = board() ? board().dataset.query : "";
    var url = "/deals/" + card.dataset.dealId + "/move?stage_id=" + zone.dataset.stageId + (query ? "&" + query : "");
    card.classList.add("is-saving");
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(
        function (response) {
          return response.text().then(function (text) {
            return { status: response.status, text: text, redirect: response.headers.get("HX-Redirect") };
          });
        },
        function () {
          return { status: 0, text: "" };
        }
      )
      .then(function (answer) {
        card.classList.remove("is-saving");
        if (answer.status === 200) answer.status = 422; // a dialog to fill in, as for a stage's required fields
        answered(card, place, answer, options);
      });
  }

  function undoClose(button) {
    var card = closedCard;
    var list = document.querySelector('.column-cards[data-stage-id="' + button.dataset.undoStage + '"]');
    closeToast();
    if (!card || !list) return;
    closedCard = null;
    card.dataset.version = button.dataset.undoVersion;
    list.insertBefore(card, list.querySelector(":scope > .deal-card") || list.firstChild);
    send(card, fieldsFor(card, list), null, { undo: true });
  }

  // --- the dialog for what a stage still needs ---------------------------------------------------

  function openDialog(card, place, html, options) {
    if (dialogState) {
      dialogState.done = true; // replaced by the new answer, not cancelled
      dialogState.dialog.close();
    }
    var host = document.getElementById("move-dialog-host");
    host.innerHTML = html;
    var dialog = host.querySelector("#move-dialog");
    dialogState = { card: card, place: place, dialog: dialog, done: false, options: options };
    dialog.addEventListener("close", onDialogClose);
    dialog.querySelector("form").addEventListener("submit", onDialogSubmit);
    dialog.querySelector("[data-cancel]").addEventListener("click", function () {
      dialog.close("cancel");
    });
    dialog.showModal();
    var first = dialog.querySelector("[aria-invalid='true']") ||
      dialog.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  function onDialogSubmit(event) {
    event.preventDefault();
    var state = dialogState;
    if (!state) return;
    var button = event.target.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    send(state.card, new FormData(event.target), state.place, state.options);
  }

  function onDialogClose(event) {
    var dialog = event.target;
    var state = dialogState && dialogState.dialog === dialog ? dialogState : null;
    dialog.remove();
    if (!state) return;
    dialogState = null;
    if (!state.done) {
      putBack(state.card, state.place); // cancelled: the move did not happen
      focusMoveLink(state.card);
    }
  }

  function closeDialog() {
    if (!dialogState) return;
    dialogState.done = true;
    dialogState.dialog.close();
  }

  document.addEventListener("click", function (event) {
    var undo = event.target.closest("#board-status .undo-move");
    if (undo) undoClose(undo);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !dialogState && !document.getElementById("move-menu")) {
      closeToast();
      clearMessages();
    }
  });

  ["mouseleave", "focusout"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target === statusBox()) scheduleToastClose();
    }, true);
  });

  document.addEventListener("pointermove", function (event) {
    pointer = { x: event.clientX, y: event.clientY };
  }, { passive: true });

  // The card's move menu (board-menu.js) moves a card the way a drop does.
  window.salesdeskBoard = { placeOf: placeOf, dropped: dropped };

  // --- drag and drop --------------------------------------------------------------------------------

  function makeSortable(list) {
    if (Sortable.get(list)) return; // (a page restored from htmx's history has none yet)
    var closed = list.classList.contains("drop-zone");
    Sortable.create(list, {
      group: { name: "deals", pull: !closed, put: true },
      draggable: ".deal-card",
      handle: ".card-head",
      filter: ".is-saving, .is-locked",
      preventOnFilter: false,
      forceFallback: true, // mouse, touch and test drivers all take the same path
      fallbackOnBody: true,
      fallbackTolerance: 3,
      animation: 120,
      ghostClass: "is-placeholder",
      chosenClass: "is-chosen",
      dragClass: "is-dragged",
      onStart: function (event) {
        if (window.salesdeskMenu) window.salesdeskMenu.close(false);
        closeToast();
        dragPlace = placeOf(event.item);
        document.body.classList.add("is-dragging");
      },
      onEnd: function (event) {
        var target = event.to.closest(".board-column, .drop-zone");
        var under = document.elementFromPoint(pointer.x, pointer.y);
        document.body.classList.remove("is-dragging");
        var place = dragPlace;
        dragPlace = null;
        if (event.to === event.from && event.oldIndex === event.newIndex) return; // dropped where it was
        if (!under || !target || !target.contains(under)) {
          // Released over no column or zone (e.g. a message): the placeholder's last place is not a choice.
          putBack(event.item, place);
          return;
        }
        dropped(event.item, event.to, place, {});
      },
    });
  }

  function setUp(root) {
    if (typeof Sortable === "undefined" || !root.querySelectorAll) return;
    var lists = root.matches && root.matches(".column-cards, .drop-zone") ? [root] : [];
    lists = lists.concat(Array.prototype.slice.call(root.querySelectorAll(".column-cards, .drop-zone")));
    lists.forEach(makeSortable);
  }

  function onLoad(element) {
    setUp(element);
    // A card answered with the prompt (a move or a completed task left it without a next action):
    // the add form is open, put the cursor in it.
    var prompted = isCard(element) && element.hasAttribute("data-prompt-next") ? element : null;
    var input = prompted && prompted.querySelector(".add-next input[name=title]");
    if (input) input.focus();
  }

  if (window.htmx) {
    htmx.onLoad(onLoad); // the page, a filtered board, a column's next cards, a redrawn card
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      setUp(document);
    });
  }
})();
