// salesdesk: the board card's move menu — for the keyboard, and anyone who prefers a list to a drag.
// Choosing a stage moves the card to the top of that column (or onto 受注 / 失注) and sends the same
// move as a drop (board.js). It opens beside the card's "Move" link, kept inside the screen.
(function () {
  "use strict";

  var menuState = null; // {menu, link, card}


  function menuItems() {
    return Array.prototype.filter.call(menuState.menu.querySelectorAll("[role=menuitem]"), function (item) {
      return !item.disabled;
    });
  }

  function openMenu(link) {
    closeMenu(false);
    var card = link.closest(".deal-card");
    var template = document.getElementById("move-menu-template");
    if (!card || !template) return;
    var menu = template.content.firstElementChild.cloneNode(true);
    menu.id = "move-menu";
    menu.querySelectorAll("[role=menuitem]").forEach(function (item) {
      item.tabIndex = 0;
      if (item.dataset.stageId === card.dataset.stageId) {
        item.disabled = true;
        item.setAttribute("aria-current", "true");
      }
    });
    link.after(menu);
    var rect = link.getBoundingClientRect();
    menu.style.top = Math.min(rect.bottom + 2, window.innerHeight - menu.offsetHeight - 8) + "px";
    menu.style.left = Math.max(8, Math.min(rect.left, window.innerWidth - menu.offsetWidth - 8)) + "px";
    link.setAttribute("aria-expanded", "true");
    menuState = { menu: menu, link: link, card: card };
    menuItems()[0].focus();
  }

  function closeMenu(restoreFocus) {
    if (!menuState) return;
    var state = menuState;
    menuState = null;
    state.link.setAttribute("aria-expanded", "false");
    state.menu.remove();
    if (restoreFocus) state.link.focus();
  }

  function onMenuKey(event) {
    var items = menuItems();
    var index = items.indexOf(document.activeElement);
    var next = null;
    if (event.key === "ArrowDown") next = items[(index + 1) % items.length];
    else if (event.key === "ArrowUp") next = items[(index - 1 + items.length) % items.length];
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items[items.length - 1];
    else if (event.key === "Escape") {
      event.preventDefault();
      closeMenu(true);
      return;
    }
    if (next) {
      event.preventDefault();
      next.focus();
    }
  }

  function choose(item) {
    var card = menuState.card;
    var stageId = item.dataset.stageId;
    closeMenu(false);
    var list = document.querySelector('.column-cards[data-stage-id="' + stageId + '"], .drop-zone[data-stage-id="' + stageId + '"]');
    if (!list) return;
    var place = window.salesdeskBoard.placeOf(card);
    var first = list.querySelector(":scope > .deal-card");
    list.insertBefore(card, first || list.firstChild); // the top of the chosen column
    window.salesdeskBoard.dropped(card, list, place, { keyboard: true });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".board .move-link");
    if (link) {
      event.preventDefault();
      if (menuState && menuState.link === link) closeMenu(true);
      else openMenu(link);
      return;
    }
    var item = event.target.closest("#move-menu [role=menuitem]");
    if (item && menuState) {
      if (!item.disabled) choose(item);
      return;
    }
    if (menuState && !menuState.menu.contains(event.target)) closeMenu(false);
  });

  document.addEventListener("keydown", function (event) {
    if (menuState && menuState.menu.contains(event.target)) onMenuKey(event);
  });

  document.addEventListener("focusin", function (event) {
    if (menuState && !menuState.menu.contains(event.target) && event.target !== menuState.link) closeMenu(false);
  });

  window.addEventListener("resize", function () {
    closeMenu(false);
  });

  window.salesdeskMenu = { close: closeMenu }; // a drag closes it
})();
