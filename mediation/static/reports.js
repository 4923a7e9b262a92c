/* Charts of the reports page, drawn with the vendored Chart.js from the JSON in #chart-data. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var stateColours = {
    reported: "#8e9aaf", accepted: "#4c6ef5", mediating: "#15aabf", agreement: "#40c057",
    closed: "#495057", failed: "#fa5252", referred: "#fab005"
  };
  // the level palette of app.css, so a chart's red is the badges' red
  var css = getComputedStyle(document.documentElement);
  var levelColours = {};
  data.level_order.forEach(function (level) {
    levelColours[level] = css.getPropertyValue("--level-" + level).trim();
  });

  function stacked(id, labels, series, order, names, colours) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: order.filter(function (key) { return key in series; }).map(function (key) {
          return { label: names[key] || key, data: series[key], backgroundColor: colours[key] };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  stacked("chart-cases", data.months, data.cases_by_state, data.state_order, data.state_labels,
          stateColours);
  stacked("chart-alerts", data.weeks, data.alerts_by_level, data.level_order, data.level_labels,
          levelColours);
  var recovered = document.getElementById("chart-recovered");
  if (recovered) {
    new Chart(recovered, {
      type: "line",
      data: {
        labels: data.months,
        datasets: [{
          label: data.recovered_label, data: data.recovered.map(Number),
          borderColor: "#2f9e44", backgroundColor: "rgba(47, 158, 68, 0.2)", fill: true
        }]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        // money with the currency and thousands separators: the tooltips show the server's
        // Babel-formatted amounts, the axis the same locale's currency format
        plugins: { tooltip: { callbacks: { label: function (item) {
          return data.recovered_label + ": " + data.recovered_text[item.dataIndex];
        } } } },
        scales: { y: { beginAtZero: true, ticks: { callback: function (value) {
          return new Intl.NumberFormat(data.money_locale, {
            style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol",
            maximumFractionDigits: 0
          }).format(value);
        } } } }
      }
    });
  }
}());
