// The Supervisor's dashboard stays current while open: every data-refresh-seconds the panels are fetched again from
// the server (already drawn, SVG included) and put in place; nothing is fetched while the tab is hidden. A "Figures
// per hour" table left open stays open. A session that has expired sends the whole page to the login form.
(function () {
  "use strict";
  var panels = document.getElementById("dashboard-panels");
  if (!panels || !window.fetch) { return; }
  var status = document.getElementById("dashboard-refresh-status");
  var every = Math.max(15, Number(panels.dataset.refreshSeconds) || 60) * 1000;

  function refresh() {
    if (document.hidden) { return; }
    fetch(panels.dataset.fragmentUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (response.redirected) { window.location.reload(); return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var open = Array.prototype.map.call(panels.querySelectorAll("details[open]"), function (d) { return d.id; });
        panels.innerHTML = html;
        open.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
        status.textContent = "";
      })
      .catch(function (error) {
        status.textContent = "Could not refresh (" + error.message + "); the figures shown may be old.";
      });
  }

  window.wmsDashboardRefresh = refresh;  // what the timer calls, callable at once (the browser test does)
  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
