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

/* phieu: keep the pages opened on this phone for use offline, when the site turns it on (the page then
   names its service worker in <meta name="phieu-sw">). The page that registers it was loaded before the
   worker ran, so it hands the worker its own address and files to keep. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="phieu-sw"]');
  if (!meta || !("serviceWorker" in navigator) || !/^https?:$/.test(window.location.protocol)) return;
  function register() {
    navigator.serviceWorker.register(meta.getAttribute("content")).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var files = window.performance.getEntriesByType("resource").map(function (entry) { return entry.name; });
      if (registration.active) registration.active.postMessage({ phieuKeep: [window.location.href].concat(files) });
    }).catch(function () { /* no offline copies: the site works as before */ });
  }
  if (document.readyState === "complete") register(); else window.addEventListener("load", register);
})();

/* phieu: the "Không hẹn" filter of the field and A–Z lists. Without JavaScript the control stays hidden
   and every procedure shows. */
(function () {
  "use strict";
  function setup() {
    document.querySelectorAll("[data-phieu-filter]").forEach(function (control) {
      var box = control.querySelector("input[type=checkbox]");
      var count = control.querySelector(".phieu-filter__count");
      var lists = document.querySelectorAll("ul.phieu-list");
      var items = document.querySelectorAll("ul.phieu-list > li");
      function apply() {
        var shown = 0;
        items.forEach(function (item) {
          item.hidden = box.checked && !item.hasAttribute("data-same-visit");
          if (!item.hidden) shown += 1;
        });
        lists.forEach(function (list) {  /* a letter of the A–Z list with nothing left goes too */
          list.hidden = !list.querySelector("li:not([hidden])");
          var heading = list.previousElementSibling;
          if (heading && /^H[2-6]$/.test(heading.tagName)) heading.hidden = list.hidden;
        });
        count.textContent = box.checked ? "Đang hiện " + shown + "/" + items.length + " thủ tục" : "";
      }
      box.addEventListener("change", apply);
      control.hidden = false;
      apply();
    });
  }
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
