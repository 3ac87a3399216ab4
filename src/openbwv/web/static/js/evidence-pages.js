// openbwv evidence pages: htmx settings and messages shared by footage, search and item pages.
"use strict";

(function () {
  // htmx "settles" a swapped element by copying some attributes from the element it replaces.
  // Copying `style` is an inline style under the strict CSP (blocked and reported), and these
  // pages never style elements inline, so settle the others only.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  // A change the server refused (e.g. access withdrawn meanwhile): say so where it is heard.
  document.addEventListener("htmx:responseError", (event) => {
    const status = document.getElementById("page-status");
    if (status) {
      status.textContent = `Not saved: the server answered ${event.detail.xhr.status}. Reload the page and try again.`;
    }
  });
})();
