/* The new-case form's employer search (progressive enhancement).
 *
 * Without JavaScript the form offers a <select> of the area's employers and the fields to
 * register a new one. With it, a search box queries /enterprises/search (the session's scope,
 * at most 20 results) by name or credit code; choosing a result sets the select, and when
 * nothing matches the user is pointed to the "register a new employer" fields.
 */
(function () {
  "use strict";
  var box = document.getElementById("enterprise-search");
  if (!box || !window.fetch) { return; }
  var input = document.getElementById("f-enterprise_q");
  var results = document.getElementById("enterprise-results");
  var chosen = document.getElementById("enterprise-chosen");
  var select = document.getElementById("f-enterprise_id");
  var newFields = document.getElementById("new-enterprise");
  var timer = null;
  var latest = 0;

  box.hidden = false;
  if (!select) { return; }
  var selectField = select.closest(".field");
  if (!selectField.classList.contains("has-error")) { selectField.hidden = true; }

  function showChosen() {
    var option = select && select.options[select.selectedIndex];
    chosen.textContent = option && option.value ? box.dataset.chosen + " " + option.text : "";
  }

  function choose(item) {
    var option = Array.prototype.find.call(select.options, function (o) {
      return o.value === String(item.id);
    });
    if (!option) {
      option = new Option(item.name, String(item.id));
      select.add(option);
    }
    select.value = String(item.id);
    input.value = item.name;
    results.innerHTML = "";
    showChosen();
  }

  function render(items) {
    results.innerHTML = "";
    if (!items.length) {
      var li = document.createElement("li");
      li.className = "muted";
      li.textContent = box.dataset.noMatch;
      results.appendChild(li);
      select.value = "";
      showChosen();
      var first = newFields && newFields.querySelector("input");
      if (first && !first.value) { first.value = input.value; }
      return;
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.enterpriseId = item.id;
      button.textContent = item.name + " · " + item.credit_code + " · " + item.organization;
      button.addEventListener("click", function () { choose(item); });
      li.appendChild(button);
      results.appendChild(li);
    });
  }

  function search() {
    var q = input.value.trim();
    if (!q) { results.innerHTML = ""; return; }
    var ticket = ++latest;
    fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) { if (ticket === latest) { render(data.items || []); } })
      .catch(function () { /* the select stays usable */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); search(); }
  });
  showChosen();
})();
