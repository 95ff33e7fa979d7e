// Subscribers grid: "Select all on this page", and "Select all N matching subscribers" once
// the whole page is selected. Without JavaScript every row has its own checkbox and the
// "all matching" option is always shown.
(function () {
  "use strict";

  function sync(form) {
    const rows = form.querySelectorAll("[data-grid-row]");
    const checked = form.querySelectorAll("[data-grid-row]:checked").length;
    const wholePage = rows.length > 0 && checked === rows.length;
    const selectPage = form.querySelector("[data-grid-select-page]");
    if (selectPage) {
      selectPage.hidden = false;
      selectPage.checked = wholePage;
      selectPage.indeterminate = checked > 0 && !wholePage;
    }
    const matching = form.querySelector("[data-grid-matching]");
    if (matching) {
      matching.hidden = !wholePage;
      if (!wholePage) {
        matching.querySelector("input").checked = false;
      }
    }
  }

  function syncAll() {
    document.querySelectorAll("[data-grid]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    const form = event.target.closest("[data-grid]");
    if (!form) {
      return;
    }
    if (event.target.matches("[data-grid-select-page]")) {
      form.querySelectorAll("[data-grid-row]").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    sync(form);
  });
  document.addEventListener("DOMContentLoaded", syncAll);
  document.addEventListener("htmx:afterSettle", syncAll);
  document.addEventListener("htmx:historyRestore", syncAll);
})();
