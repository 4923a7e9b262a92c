/* Required fields checked in the browser before the form goes to the server (which checks
 * them again: this only saves a round trip and shows the same inline messages).
 *
 * A form opts in with data-check and carries its messages in data-required-message. A field
 * required only for one case kind names it in data-required-for="arrears"; the kind comes
 * from the form's kind select (#f-kind) or, on the edit form, from data-case-kind. A group
 * of fields where one of them suffices shares data-one-of="name": the first of the group is
 * required while all are empty. Markers with data-required-for show only while they apply.
 */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-check]");
  Array.prototype.forEach.call(forms, function (form) {
    var kindSelect = form.querySelector("#f-kind");

    function kind() {
      return kindSelect ? kindSelect.value : (form.getAttribute("data-case-kind") || "");
    }

    function filled(el) {
      return el.type === "checkbox" ? el.checked : el.value.trim() !== "";
    }

    function applies(el) {
      var forKind = el.getAttribute("data-required-for");
      return !forKind || forKind === kind();
    }

    function refresh() {
      Array.prototype.forEach.call(form.querySelectorAll(".req[data-required-for]"), function (m) {
        m.hidden = !applies(m);
      });
      var groups = {};
      Array.prototype.forEach.call(form.querySelectorAll("[data-one-of]"), function (el) {
        var name = el.getAttribute("data-one-of");
        (groups[name] = groups[name] || []).push(el);
      });
      Object.keys(groups).forEach(function (name) {
        var group = groups[name];
        var any = group.some(filled);
        group.forEach(function (el, i) {
          el.required = applies(el) && !any && i === 0;
        });
      });
    }

    function clearErrors() {
      Array.prototype.forEach.call(form.querySelectorAll(".field-error.js-check"), function (p) {
        var field = p.closest(".field");
        if (field) { field.classList.remove("has-error"); }
        p.remove();
      });
    }

    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    form.addEventListener("submit", function (event) {
      refresh();
      clearErrors();
      var first = null;
      Array.prototype.forEach.call(form.querySelectorAll("[required]"), function (el) {
        if (el.disabled || filled(el)) { return; }
        var field = el.closest(".field");
        var message = el.getAttribute("data-required-message") ||
          form.getAttribute("data-required-message");
        if (field) {
          field.classList.add("has-error");
          var p = document.createElement("p");
          p.className = "field-error js-check";
          p.setAttribute("role", "alert");
          p.textContent = message;
          el.insertAdjacentElement("afterend", p);
        }
        el.setAttribute("aria-invalid", "true");
        first = first || el;
      });
      // files together over what the server accepts in one request: say so here, while
      // the typed text is still in the form (the server's refusal cannot give it back)
      Array.prototype.forEach.call(form.querySelectorAll("input[type=file][data-max-bytes]"), function (el) {
        var total = 0;
        Array.prototype.forEach.call(el.files || [], function (f) { total += f.size; });
        if (total <= Number(el.getAttribute("data-max-bytes"))) { return; }
        var field = el.closest(".field");
        if (field) {
          field.classList.add("has-error");
          var p = document.createElement("p");
          p.className = "field-error js-check";
          p.setAttribute("role", "alert");
          p.textContent = el.getAttribute("data-size-message");
          el.insertAdjacentElement("afterend", p);
        }
        el.setAttribute("aria-invalid", "true");
        first = first || el;
      });
      if (first) {
        event.preventDefault();
        first.focus();
      }
    });
    refresh();
  });
}());
