/* Scanning without losing a scan.
 *
 * A barcode scanner types a code and Enter, often faster than a page can reload. On a form marked
 * `data-scan-queue`, each scan is queued at once (the field is cleared and keeps the focus) and the queue is
 * posted in order, one scan at a time, exactly as the form would post it. After each answer the parts of the page
 * named by `data-scan-swap` (CSS selectors) and the admin's messages are replaced with the fresh ones, so the
 * counts on screen are the server's. Counts typed but not saved yet are kept. While scans are waiting, the
 * form's other buttons wait too, so "Complete" or "Save" cannot overtake a scan.
 * Without JavaScript the form posts and reloads as before.
 */
(function () {
  "use strict";

  function dirtyInputs(selectors) {
    const dirty = new Map();
    selectors.forEach((selector) => {
      document.querySelectorAll(selector).forEach((part) => {
        part.querySelectorAll("input[name]").forEach((input) => {
          if (input.type !== "submit" && input.value !== input.defaultValue) dirty.set(input.name, input.value);
        });
      });
    });
    return dirty;
  }

  function swapMessages(fresh) {
    const current = document.querySelector("ul.messagelist");
    const incoming = fresh.querySelector("ul.messagelist");
    if (current && incoming) current.replaceWith(incoming);
    else if (current) current.remove();
    else if (incoming) document.getElementById("content").before(incoming);
  }

  function setUp(form) {
    const code = form.querySelector("input[name=code]");
    const quantity = form.querySelector("input[name=quantity]");
    const damaged = form.querySelector("input[name=scan_damaged]");
    const selectors = (form.dataset.scanSwap || "").split(",").map((s) => s.trim()).filter(Boolean);
    const status = document.createElement("span");
    status.className = "scan-status";
    status.setAttribute("aria-live", "polite");
    code.parentElement.appendChild(status);
    const queue = [];
    let running = false;

    function showState(text) {
      status.textContent = text || (queue.length ? `sending ${queue.length} scan(s)…` : "");
      form.querySelectorAll("input[type=submit]:not([name=scan_submit])").forEach((button) => {
        button.disabled = queue.length > 0;
      });
    }

    async function post(scan) {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
      body.append("code", scan.code);
      if (quantity) body.append("quantity", scan.quantity);
      if (scan.damaged) body.append("scan_damaged", "1");
      body.append("scan_submit", "");
      const answer = await fetch(form.action || window.location.href, {
        method: "POST", body: body, credentials: "same-origin", headers: {"X-Requested-With": "XMLHttpRequest"},
      });
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      const parts = selectors.map((selector) => [document.querySelector(selector), fresh.querySelector(selector)]);
      if (!answer.ok || parts.some(([, incoming]) => !incoming)) {
        window.location.assign(answer.url);  // logged out, or the page changed shape (e.g. receipt closed)
        return false;
      }
      const dirty = dirtyInputs(selectors);
      parts.forEach(([current, incoming]) => current && current.replaceWith(incoming));
      dirty.forEach((value, name) => {
        const input = form.querySelector(`input[name="${CSS.escape(name)}"]`);
        if (input) input.value = value;
      });
      swapMessages(fresh);
      return true;
    }

    async function drain() {
      if (running) return;
      running = true;
      try {
        while (queue.length) {
          showState();
          if (!(await post(queue[0]))) return;
          queue.shift();
        }
        showState();
      } catch (error) {
        const unsent = queue.splice(0).map((scan) => scan.code).join(", ");
        showState(`Connection lost: not counted: ${unsent}. Scan them again.`);
      } finally {
        running = false;
      }
    }

    form.addEventListener("submit", (event) => {
      const submitter = event.submitter;
      const isScan = submitter ? submitter.name === "scan_submit" : document.activeElement === code;
      const value = code.value.trim();
      if (!isScan || !value) return;  // Enter in a count field, or "Add" with nothing scanned: the plain post
      event.preventDefault();
      queue.push({code: value, quantity: quantity ? quantity.value || "1" : "1", damaged: damaged && damaged.checked});
      code.value = "";
      if (quantity) quantity.value = "1";
      if (damaged) damaged.checked = false;
      code.focus();
      showState();
      drain();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-scan-queue]").forEach(setUp);
  });
})();
