// The replay page's chart: the margin level at every stored point, the margin-call and liquidation lines,
// and the event marked. Drawn once: a replay does not change.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("replay-chart");
    if (!el || !window.Plotly) return;
    var points = JSON.parse(document.getElementById("replay-points").textContent);
    var lines = JSON.parse(document.getElementById("replay-lines").textContent);
    var valued = points.filter(function (p) { return p.level !== null; });
    var x = valued.map(function (p) { return p.t; });
    var y = valued.map(function (p) { return Number(p.level); });
    var event = points[points.length - 1];
    var layout = {
      margin: { l: 8, r: 64, t: 8, b: 32 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: "system-ui, sans-serif", size: 12, color: "#3b4654" }, showlegend: false,
      xaxis: { gridcolor: "#eef1f4", type: "date", nticks: 6, hoverformat: "%Y-%m-%d %H:%M:%S", visible: x.length > 0 },
      yaxis: { gridcolor: "#eef1f4", side: "right" }, shapes: [], annotations: [],
    };
    if (x.length) {
      var times = x.map(function (t) { return new Date(t).getTime(); });
      var span = Math.max(Math.max.apply(null, times) - Math.min.apply(null, times), 10 * 60 * 1000);
      layout.xaxis.tickformat = span > 2 * 86400000 ? "%b %d" : span > 43200000 ? "%b %d %H:%M" : "%H:%M";
      if (span === 10 * 60 * 1000) {
        var mid = times[0];
        layout.xaxis.range = [new Date(mid - span / 2).toISOString(), new Date(mid + span / 2).toISOString()];
      }
    }
    var top = Math.max(Number(lines.initial) * 1.2, Math.min(Math.max.apply(null, y.concat([0])) * 1.05, 5));
    layout.yaxis.range = [Math.min(0.9, Math.min.apply(null, y.concat([1])) - 0.05), top];
    [["liquidation", "#c0392b", "liquidation", "top"], ["margin_call", "#b86e00", "margin call", "bottom"]].forEach(function (l) {
      var v = Number(lines[l[0]]);
      layout.shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: v, y1: v, line: { color: l[1], width: 1.5, dash: "dash" } });
      // Liquidation's label below its line, the margin call's above: the lines lie close together.
      layout.annotations.push({ xref: "paper", x: 0, y: v, xanchor: "left", yanchor: l[3], showarrow: false,
                                text: l[2] + " " + v, font: { color: l[1], size: 11 } });
    });
    var traces = [{ type: "scatter", mode: "lines+markers", x: x, y: y, line: { color: "#1a5fb4", width: 2, shape: "hv" },
                    text: valued.map(function (p) { return p.label; }), marker: { size: 6 },
                    hovertemplate: "%{text}: %{y:.4f}<extra></extra>" }];
    if (event && event.level !== null) traces.push({ type: "scatter", mode: "markers", x: [event.t], y: [Number(event.level)],
      marker: { color: event.kind === "liquidation" ? "#c0392b" : "#b86e00", size: 12, symbol: event.kind === "liquidation" ? "x" : "triangle-down" },
      hovertemplate: event.label + " %{y:.4f}<extra></extra>" });
    if (!x.length) layout.annotations.push({ xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, text: "No stored margin levels." });
    window.Plotly.newPlot(el, traces, layout, { displayModeBar: false, responsive: true });
  });
})();
