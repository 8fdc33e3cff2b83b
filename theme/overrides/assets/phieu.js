/* phieu: keep "what to bring" ticks on this device (localStorage), per procedure version and case. */
(function () {
  "use strict";
  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(key, values) {
    try { window.localStorage.setItem(key, JSON.stringify(values)); } catch (e) { /* storage full or disabled */ }
  }
  function setup() {
    document.querySelectorAll("ul.phieu-checklist[data-storage-key]").forEach(function (list) {
      var key = list.getAttribute("data-storage-key");
      var ticked = load(key);
      var boxes = list.querySelectorAll("input[type=checkbox]");
      boxes.forEach(function (box) {
        box.checked = ticked.indexOf(box.value) !== -1;
        box.addEventListener("change", function () {
          var values = [];
          boxes.forEach(function (b) { if (b.checked) values.push(b.value); });
          save(key, values);
        });
      });
    });
  }
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(setup);  /* Material's instant navigation swaps pages without reloading */
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
