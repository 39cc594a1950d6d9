/* An election's results as bar charts (Chart.js, vendored: marketplace/vendor/), one per
   choose question: <canvas data-results-chart="QID" role="img" aria-label="..."
   data-bar-label="Votes">, its figures in the page's json_script "results-chart-data", a
   list of {"id": QID, "labels": [answer, ...], "counts": [n, ...]}. The same numbers are
   in the results table beside each chart, which is what screen readers and a browser
   without script use. Bars are horizontal: an answer's text (a candidate's name) stays
   readable on a phone. No inline script (the CSP). */
(function () {
  "use strict";

  var BAR_HEIGHT = 36; // px per answer, so that a long list is not squeezed
  var AXIS_HEIGHT = 48;

  function cssColour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function drawOne(canvas, figures) {
    var data = figures.filter(function (entry) {
      return entry.id === canvas.dataset.resultsChart;
    })[0];
    if (!data) {
      return null;
    }
    var label = canvas.dataset.barLabel || "";
    var language = document.documentElement.lang || "fr";
    var english = language.indexOf("en") === 0;
    var number = new Intl.NumberFormat(english ? "en-CA" : "fr-CA");
    var colon = english ? ": " : "\u00a0: ";
    var ink = cssColour("--color-ink", "#1b1b1b");
    var grid = cssColour("--color-border", "#d0d0d0");
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    // A box of its own around the canvas, as tall as the answers need; Chart.js fills it.
    var box = document.createElement("div");
    box.className = "results-chart";
    canvas.before(box);
    box.append(canvas);
    box.style.position = "relative";
    box.style.height = data.labels.length * BAR_HEIGHT + AXIS_HEIGHT + "px";

    function drawn() {
      canvas.dataset.chartDrawn = "true";
    }

    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: label,
            data: data.counts.map(Number),
            backgroundColor: cssColour("--color-brand", "#0a5c57"),
            borderRadius: 2,
            maxBarThickness: 28,
          },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { onComplete: drawn },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = number.format(item.parsed.x);
                return label ? label + colon + value : value;
              },
            },
          },
        },
        scales: {
          x: {
            beginAtZero: true,
            ticks: { color: ink, precision: 0 },
            grid: { color: grid },
          },
          y: {
            ticks: { color: ink, autoSkip: false },
            grid: { display: false },
          },
        },
      },
    });
    canvas.dataset.chartReady = "true";
    if (still) {
      drawn();
    }
    return chart;
  }

  function draw() {
    var source = document.getElementById("results-chart-data");
    if (typeof window.Chart !== "function" || !source) {
      return;
    }
    var figures = JSON.parse(source.textContent);
    window.uniqcResultsCharts = Array.prototype.map.call(
      document.querySelectorAll("canvas[data-results-chart]"),
      function (canvas) {
        return drawOne(canvas, figures);
      }
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
