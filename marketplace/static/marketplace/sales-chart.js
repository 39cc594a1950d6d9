/* The store's sales per day as a bar chart (Chart.js, vendored: marketplace/vendor/).
   The figures come from the page's JSON (json_script "sales-chart-data": days as ISO
   dates, net sales before taxes as decimal strings, orders); the same figures are in the
   table below the chart, which is what screen readers and a browser without script use.
   No inline script: the Content-Security-Policy allows only our own files. */
(function () {
  "use strict";

  function cssColour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw() {
    var canvas = document.querySelector("[data-sales-chart]");
    if (!canvas || typeof window.Chart !== "function") {
      return;
    }
    var source = document.getElementById(canvas.dataset.salesData);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var language = document.documentElement.lang || "fr";
    var locale = language.indexOf("en") === 0 ? "en-CA" : "fr-CA";
    var money = new Intl.NumberFormat(locale, { style: "currency", currency: data.currency });
    // The days are calendar days: formatted in UTC, so that no time zone moves them.
    var dayFormat = new Intl.DateTimeFormat(locale, {
      day: "numeric",
      month: "short",
      timeZone: "UTC",
    });
    var labels = data.days.map(function (day) {
      return dayFormat.format(new Date(day + "T00:00:00Z"));
    });
    var ink = cssColour("--color-ink", "#1b1b1b");
    var grid = cssColour("--color-border", "#d0d0d0");
    var narrow = window.matchMedia("(max-width: 40em)").matches;
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    // Marked once the bars stand at their height (after the animation, if any).
    function drawn() {
      canvas.dataset.chartDrawn = "true";
    }

    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          {
            label: canvas.dataset.netLabel,
            data: data.net.map(Number),
            backgroundColor: cssColour("--color-brand", "#0a5c57"),
            borderRadius: 2,
            maxBarThickness: 28,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { onComplete: drawn },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var orders = data.orders[item.dataIndex];
                return (
                  money.format(item.parsed.y) + " · " + canvas.dataset.ordersLabel + " " + orders
                );
              },
            },
          },
        },
        scales: {
          x: {
            ticks: { color: ink, autoSkip: true, maxTicksLimit: narrow ? 6 : 15, maxRotation: 0 },
            grid: { display: false },
          },
          y: {
            beginAtZero: true,
            ticks: {
              color: ink,
              callback: function (value) {
                return money.format(value);
              },
            },
            grid: { color: grid },
          },
        },
      },
    });
    canvas.dataset.chartReady = "true";
    if (still) {
      drawn();
    }
    window.uniqcSalesChart = chart;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
