/* phieu: fill a national form in on the phone (mau/<id>/). What is typed stays in this page: it is sent
   nowhere (the page has no <form> and this script makes no request), and it is kept in localStorage only
   while "Ghi nhớ trên điện thoại này" is ticked. The page is loaded by Material's instant navigation too,
   which runs this script again on the new page. */
(function () {
  "use strict";
  var page = document.querySelector("article.phieu-fill");
  if (!page || page.getAttribute("data-ready")) return;
  page.setAttribute("data-ready", "1");
  document.documentElement.classList.add("phieu-js");

  var key = page.getAttribute("data-storage-key");
  var tools = page.querySelector("[data-tools]");
  var remember = page.querySelector("[data-remember]");
  var status = page.querySelector("[data-status]");
  var texts = Array.prototype.slice.call(page.querySelectorAll(".phieu-line input, .phieu-line textarea"));
  var radios = Array.prototype.slice.call(page.querySelectorAll(".phieu-option input"));
  var conditional = Array.prototype.slice.call(page.querySelectorAll("[data-when]"));

  function choice(name) {
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].name === name && radios[i].checked) return radios[i].value;
    }
    return "";
  }
  function values() {
    var out = {};
    texts.forEach(function (t) { if (t.value) out[t.name] = t.value; });
    radios.forEach(function (r) { if (r.checked) out[r.name] = r.value; });
    return out;
  }
  function mirror(t) {
    var copy = page.querySelector('[data-mirror="' + t.name + '"]');
    if (copy) copy.textContent = t.value;
  }
  function conditions() {
    /* Several passes: a condition may depend on a field that is itself conditional. */
    for (var pass = 0; pass < 3; pass++) {
      conditional.forEach(function (f) {
        var owner = page.querySelector('.phieu-option input[name="' + f.getAttribute("data-when") + '"]');
        var off = owner && owner.closest(".phieu-field").classList.contains("is-off");
        var on = !off && choice(f.getAttribute("data-when")) === f.getAttribute("data-equals");
        f.classList.toggle("is-off", !on);
      });
    }
  }

  /* Dates as dates: day/month/year that exists on the calendar. */
  var DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
  function problem(t) {
    var v = t.value.trim(), kind = t.getAttribute("data-kind");
    if (!v) return "";
    if (kind === "date") {
      var m = DATE.exec(v);
      if (!m) return "Viết ngày theo dạng ngày/tháng/năm, ví dụ 05/10/2026.";
      var d = +m[1], mo = +m[2], y = +m[3];
      var day = new Date(y, mo - 1, d);
      if (mo < 1 || mo > 12 || day.getFullYear() !== y || day.getMonth() !== mo - 1 || day.getDate() !== d) {
        return "Ngày " + v + " không có trên lịch.";
      }
      if (y < 1900 || day > new Date(new Date().getFullYear() + 1, 11, 31)) return "Năm " + y + " có đúng không?";
      return "";
    }
    if (kind === "year") return /^\d{4}$/.test(v) ? "" : "Viết năm bằng 4 chữ số, ví dụ 1996.";
    if (kind === "number") return /^\d{1,3}$/.test(v) ? "" : "Viết số lượng bằng chữ số, ví dụ 02.";
    return "";
  }
  function check(t) {
    if (!t.getAttribute("data-kind")) return;
    var message = problem(t);
    var box = page.querySelector("#e-" + t.name);
    if (box) box.textContent = message;
    if (message) t.setAttribute("aria-invalid", "true"); else t.removeAttribute("aria-invalid");
  }
  function tidyDate(t) {
    var m = DATE.exec(t.value.trim());
    if (t.getAttribute("data-kind") === "date" && m && !problem(t)) {
      t.value = ("0" + m[1]).slice(-2) + "/" + ("0" + m[2]).slice(-2) + "/" + m[3];
      mirror(t);
    }
  }

  function save() {
    if (!remember.checked) return;
    try { window.localStorage.setItem(key, JSON.stringify({ values: values() })); } catch (e) { /* full or off */ }
  }
  function forget() {
    try { window.localStorage.removeItem(key); } catch (e) { /* storage off */ }
  }
  function restore() {
    var stored = null;
    try { stored = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
    if (!stored || typeof stored.values !== "object" || stored.values === null) return;
    texts.forEach(function (t) { if (typeof stored.values[t.name] === "string") t.value = stored.values[t.name]; });
    radios.forEach(function (r) { r.checked = stored.values[r.name] === r.value; });
    remember.checked = true;
  }
  function say(message) { status.textContent = message; }

  texts.forEach(function (t) {
    t.addEventListener("input", function () { mirror(t); if (t.getAttribute("aria-invalid")) check(t); save(); });
    t.addEventListener("blur", function () { tidyDate(t); check(t); save(); });
  });
  radios.forEach(function (r) {
    r.addEventListener("change", function () { conditions(); save(); });
  });
  remember.addEventListener("change", function () {
    if (remember.checked) { save(); say("Đã ghi nhớ: lần sau mở trang này trên điện thoại này, thông tin vẫn còn."); }
    else { forget(); say("Đã thôi ghi nhớ: thông tin không còn lưu trên điện thoại này."); }
  });
  page.querySelector("[data-clear]").addEventListener("click", function () {
    texts.forEach(function (t) { t.value = ""; mirror(t); check(t); });
    radios.forEach(function (r) { r.checked = false; });
    remember.checked = false;
    forget();
    conditions();
    say("Đã xóa hết thông tin trên trang này và trên điện thoại này.");
  });
  page.querySelector("[data-print]").addEventListener("click", function () {
    texts.forEach(function (t) { tidyDate(t); mirror(t); });
    window.print();
  });

  restore();
  texts.forEach(function (t) { mirror(t); check(t); });
  conditions();
  tools.hidden = false;
})();
