/* MarginLab's little script: the order ticket's fields, the "max" buttons, confirmations, and the charts.
   Everything works without it (forms post, htmx keeps the numbers live); it only makes the page kinder. */
(function () {
  "use strict";

  // --- the order ticket: show the fields the chosen order type takes -----------------------------------
  var FIELDS = {
    MARKET: ["quantity", "quote_quantity"],
    LIMIT: ["quantity", "price", "time_in_force"],
    LIMIT_MAKER: ["quantity", "price"],
    STOP_LOSS_LIMIT: ["quantity", "price", "stop_price", "time_in_force"],
    TAKE_PROFIT_LIMIT: ["quantity", "price", "stop_price", "time_in_force"],
    OCO: ["quantity", "price", "stop_price", "stop_limit_price", "time_in_force"],
  };
  var OPTIONAL = ["quantity", "quote_quantity", "price", "stop_price", "stop_limit_price", "time_in_force"];

  function setupTicket(form) {
    var type = form.querySelector("[name$='-type']");
    var prefix = type.name.replace(/type$/, "");
    function apply() {
      var wanted = FIELDS[type.value] || OPTIONAL;
      OPTIONAL.forEach(function (name) {
        var box = form.querySelector("[data-field='" + prefix + name + "']");
        if (!box) return;
        var on = wanted.indexOf(name) >= 0;
        box.hidden = !on;
        // A hidden field is not sent: the services refuse parameters an order type does not take.
        box.querySelectorAll("input, select").forEach(function (el) { el.disabled = !on; });
      });
      var side = form.querySelector("[name$='-side']:checked");
      var button = form.querySelector("[data-submit-label]");
      if (side && button) {
        button.textContent = (side.value === "BUY" ? "Buy " : "Sell ") + (form.querySelector("[name$='-symbol']").value || "");
        button.classList.toggle("btn-sell", side.value === "SELL");
        button.classList.toggle("btn-buy", side.value === "BUY");
      }
    }
    form.addEventListener("change", apply);
    apply();
    var symbol = form.querySelector("[name$='-symbol']");
    symbol.addEventListener("change", function () { priceChartSymbol(symbol.value); });
  }

  // --- "max" buttons fill the amount field of their form -------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".fill-max");
    if (!button) return;
    var form = button.closest("form");
    var amount = form.querySelector("[name$='-amount']") || form.querySelector("[name$='-quantity']");
    if (amount) { amount.value = button.dataset.value; amount.focus(); }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // --- charts (plotly.js, served from the installed plotly package) ---------------------------------------
  var LAYOUT = {
    margin: { l: 8, r: 64, t: 8, b: 32 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, sans-serif", size: 12, color: "#3b4654" },
    xaxis: { gridcolor: "#eef1f4", rangeslider: { visible: false }, type: "date" },
    yaxis: { gridcolor: "#eef1f4", side: "right" },
    showlegend: false,
    dragmode: "pan",
  };
  var CONFIG = { displayModeBar: false, responsive: true };
  var REFRESH_MS = 4000;

  function clone(o) { return JSON.parse(JSON.stringify(o)); }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  // An honest time axis: none at all without data (plotly would invent one around the year 2000), at least
  // ten minutes wide around a single point (not milliseconds), and ticks in minutes or days, never seconds.
  var MIN_SPAN_MS = 10 * 60 * 1000;
  function timeAxis(layout, xs) {
    if (!xs.length) {
      layout.xaxis.visible = false;
      return;
    }
    var times = xs.map(function (t) { return new Date(t).getTime(); });
    var first = Math.min.apply(null, times), last = Math.max.apply(null, times);
    if (last - first < MIN_SPAN_MS) {
      var middle = (first + last) / 2;
      layout.xaxis.range = [new Date(middle - MIN_SPAN_MS / 2).toISOString(), new Date(middle + MIN_SPAN_MS / 2).toISOString()];
    }
    var span = Math.max(last - first, MIN_SPAN_MS);
    layout.xaxis.tickformat = span > 2 * 24 * 3600 * 1000 ? "%b %d" : span > 12 * 3600 * 1000 ? "%b %d %H:%M" : "%H:%M";
    layout.xaxis.hoverformat = "%Y-%m-%d %H:%M:%S";
    layout.xaxis.nticks = 6;
  }

  var price = null; // {el, url, interval}

  function drawPrice() {
    if (!price || !window.Plotly) return;
    getJSON(price.url + "?interval=" + price.interval).then(function (data) {
      var c = data.candles;
      var layout = clone(LAYOUT);
      var traces = [{
        type: "candlestick",
        x: c.map(function (k) { return k.t; }),
        open: c.map(function (k) { return k.o; }),
        high: c.map(function (k) { return k.h; }),
        low: c.map(function (k) { return k.l; }),
        close: c.map(function (k) { return k.c; }),
        increasing: { line: { color: "#1f8a4c" } },
        decreasing: { line: { color: "#c0392b" } },
        name: data.symbol,
      }];
      if (data.mark) {
        layout.shapes = [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: data.mark, y1: data.mark,
                           line: { color: "#c99400", width: 1, dash: "dot" } }];
        layout.annotations = [{ xref: "paper", x: 0, y: data.mark, xanchor: "left", yanchor: "bottom", showarrow: false,
                                text: "mark " + data.mark, font: { color: "#8a6700", size: 11 } }];
      }
      timeAxis(layout, traces[0].x);
      if (!c.length) {
        layout.annotations = (layout.annotations || []).concat([{ xref: "paper", yref: "paper", x: 0.5, y: 0.5,
          showarrow: false, text: "No price history yet: it builds up as the mark price moves." }]);
      }
      window.Plotly.react(price.el, traces, layout, CONFIG);
    }).catch(function () {});
  }

  function priceChartSymbol(symbol) {
    if (!price || !price.el.dataset.urlTemplate || !symbol) return;
    price.url = price.el.dataset.urlTemplate.replace("SYMBOL", symbol);
    var label = document.getElementById("price-chart-symbol");
    if (label) label.textContent = symbol;
    drawPrice();
  }

  var level = null; // {el, url, seen: [{t, level}]}

  function drawLevels() {
    if (!level || !window.Plotly) return;
    getJSON(level.url).then(function (data) {
      // The engine snapshots on status changes and hourly; the live level is added at each refresh while
      // the page is open, so the line moves as prices do.
      if (data.now.level !== null) level.seen.push({ t: new Date().toISOString(), level: data.now.level });
      if (level.seen.length > 2000) level.seen.shift();
      var points = data.snapshots.filter(function (s) { return s.level !== null; })
        .concat(level.seen).sort(function (a, b) { return a.t < b.t ? -1 : 1; });
      var x = points.map(function (p) { return p.t; });
      var y = points.map(function (p) { return Number(p.level); });
      var lines = data.lines;
      var top = Math.max(Number(lines.initial || 1.5) * 1.25, Math.min(Math.max.apply(null, y.concat([0])) * 1.05, 5));
      var layout = clone(LAYOUT);
      layout.yaxis.range = [Math.min(0.95, Math.min.apply(null, y.concat([1]))), top];

      layout.shapes = [];
      layout.annotations = [];
      [["liquidation", "#c0392b", "liquidation"], ["margin_call", "#b86e00", "margin call"], ["initial", "#8a97a6", "initial"]]
        .forEach(function (l) {
          var v = lines[l[0]];
          if (v === null) return;
          layout.shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: v, y1: v,
                               line: { color: l[1], width: 1.5, dash: l[0] === "initial" ? "dot" : "dash" } });
          // Liquidation's label under its line, the others above theirs: the 1.05 and 1.1 lines lie close
          // together, and two labels above them would print over each other.
          layout.annotations.push({ xref: "paper", x: 0, y: v, xanchor: "left", yanchor: l[0] === "liquidation" ? "top" : "bottom",
                                    showarrow: false, text: l[2] + " " + Number(v), font: { color: l[1], size: 11 } });
        });
      var traces = [{ type: "scatter", mode: "lines+markers", x: x, y: y, line: { color: "#1a5fb4", width: 2, shape: "hv" },
                      marker: { size: 4 }, name: "margin level", hovertemplate: "%{y:.4f}<extra></extra>" }];
      if (data.margin_calls.length) traces.push({ type: "scatter", mode: "markers", name: "margin call",
        x: data.margin_calls.map(function (m) { return m.t; }), y: data.margin_calls.map(function (m) { return Number(m.level); }),
        marker: { color: "#b86e00", size: 10, symbol: "triangle-down" }, hovertemplate: "margin call %{y:.4f}<extra></extra>" });
      if (data.liquidations.length) traces.push({ type: "scatter", mode: "markers", name: "liquidation",
        x: data.liquidations.map(function (m) { return m.t; }), y: data.liquidations.map(function (m) { return Number(m.level); }),
        marker: { color: "#c0392b", size: 12, symbol: "x" }, hovertemplate: "liquidated at %{y:.4f}<extra></extra>" });
      timeAxis(layout, x.concat(data.margin_calls.map(function (m) { return m.t; }), data.liquidations.map(function (m) { return m.t; })));
      if (!points.length) layout.annotations.push({ xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false,
        text: "No debt, no margin level: borrow (or MARGIN_BUY) and it shows here." });
      window.Plotly.react(level.el, traces, layout, CONFIG);
    }).catch(function () {});
  }

  function setupCharts() {
    var priceEl = document.getElementById("price-chart");
    if (priceEl) {
      price = { el: priceEl, url: priceEl.dataset.candlesUrl, interval: "1m" };
      document.querySelectorAll("[data-interval]").forEach(function (b) {
        b.addEventListener("click", function () {
          price.interval = b.dataset.interval;
          document.querySelectorAll("[data-interval]").forEach(function (o) { o.classList.toggle("on", o === b); });
          drawPrice();
        });
      });
      drawPrice();
      setInterval(drawPrice, REFRESH_MS);
    }
    var levelEl = document.getElementById("level-chart");
    if (levelEl) {
      level = { el: levelEl, url: levelEl.dataset.levelsUrl, seen: [] };
      drawLevels();
      setInterval(drawLevels, REFRESH_MS);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-ticket]").forEach(setupTicket);
    setupCharts();
  });
})();
