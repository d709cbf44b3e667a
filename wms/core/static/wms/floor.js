/* The floor-screen kit's one script (templates/admin/floor/base.html loads it; STRUCTURE.md, "Floor screens").
 *
 * A scan form is a <form data-floor-scan> holding an <input name="code"> (the scan field) and a
 * <button name="scan_submit">. A keyboard-wedge scanner types a code and Enter, often faster than a page can
 * reload: each scan is queued at once (the field is cleared and keeps the focus) and the queue is posted in order,
 * one scan at a time, exactly as the form would post it. After each answer the parts of the page named by
 * `data-floor-swap` (CSS selectors) and the admin's messages are replaced with the server's fresh ones; counts
 * typed but not saved yet are kept, and so is the focus of a field being typed into. The answer's messages decide
 * the result: any error is an error (low buzz, red), a warning a warning (two mid tones, amber), else ok (one high
 * beep, green); the result's text goes to the aria-live region #floor-result. While scans wait, the form's other
 * buttons wait too, so "Complete" or "Save" cannot overtake a scan. Without JavaScript the form posts as it is.
 *
 * The scan field keeps the focus: after every scan and every click, unless a field is being typed into. A
 * printable key pressed while nothing takes typing (a scanner after a tap on a button) goes to the scan field.
 * Where the browser has BarcodeDetector and a camera, a [data-floor-camera] button is shown; a code it reads
 * goes through the same path as a typed scan. A [data-floor-keyboard] button switches the phone's on-screen keyboard
 * for the scan field off (a scanner or the camera needs none) and on again; the choice stays on the device.
 *
 * API (window.WmsFloor): scan(code) posts a code as if scanned; announce(text, kind) shows and says a result
 * (kind: "ok", "warning", "error") with its sound; beep(kind); focusScan(); onScan(handler): a page's own
 * reading of a code before it is posted: handler(code) returns {kind, text} when it handled the code itself,
 * or null to let it be posted. Each result is also a "floor:result" event on document, detail {kind, text, code}.
 */
(function () {
  "use strict";

  const KINDS = ["ok", "warning", "error"];
  // [frequency Hz, seconds] per tone: the error is low, long and harsh, unlike any other.
  const TONES = {ok: [[1175, 0.09]], warning: [[740, 0.09], [740, 0.09]], error: [[196, 0.22], [147, 0.32]]};
  let audio = null;
  let scanForm = null;
  const handlers = [];

  function beep(kind) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      let start = audio.currentTime;
      (TONES[kind] || TONES.ok).forEach(([frequency, length]) => {
        const tone = audio.createOscillator();
        const volume = audio.createGain();
        tone.type = kind === "error" ? "square" : "sine";
        tone.frequency.value = frequency;
        volume.gain.setValueAtTime(0.0001, start);
        volume.gain.exponentialRampToValueAtTime(0.25, start + 0.01);
        volume.gain.exponentialRampToValueAtTime(0.0001, start + length);
        tone.connect(volume).connect(audio.destination);
        tone.start(start);
        tone.stop(start + length + 0.02);
        start += length + 0.06;
      });
    } catch (error) {
      // No sound device: the colour and the spoken text still tell.
    }
    document.body.dataset.floorSound = kind;  // what was last played, for a test or a supervisor's check
  }

  function announce(text, kind, code) {
    kind = KINDS.includes(kind) ? kind : "ok";
    const region = document.getElementById("floor-result");
    if (region) {
      region.textContent = text;
      region.dataset.result = kind;
    }
    const screen = document.querySelector(".floor") || document.body;
    KINDS.forEach((k) => screen.classList.remove(`floor-flash-${k}`));
    void screen.offsetWidth;  // restart the flash even when the same kind comes twice
    screen.classList.add(`floor-flash-${kind}`);
    beep(kind);
    document.dispatchEvent(new CustomEvent("floor:result", {detail: {kind, text, code: code || ""}}));
  }

  function messagesOf(root) {
    const items = [...root.querySelectorAll("ul.messagelist li")];
    const kind = items.some((li) => li.classList.contains("error")) ? "error"
      : items.some((li) => li.classList.contains("warning")) ? "warning" : "ok";
    return {kind, text: items.map((li) => li.textContent.trim()).join(" "), count: items.length};
  }

  function isTypingField(element) {
    return Boolean(element && element.matches && element.getAttribute("name") !== "code" && element.matches(
      "textarea, select, input:not([type=submit]):not([type=button]):not([type=checkbox]):not([type=radio])"
      + ":not([type=hidden])"));
  }

  function scanField() {
    return scanForm ? scanForm.querySelector("input[name=code]") : null;
  }

  function focusScan() {
    const field = scanField();
    if (!field || isTypingField(document.activeElement) || document.querySelector(".floor-camera[open]")) return;
    field.focus({preventScroll: true});
  }

  function scan(code) {
    const field = scanField();
    if (!field) return;
    field.value = code;
    scanForm.requestSubmit(scanForm.querySelector("[name=scan_submit]") || undefined);
  }

  function dirtyInputs(selectors) {
    const dirty = new Map();
    selectors.forEach((selector) => {
      document.querySelectorAll(selector).forEach((part) => {
        part.querySelectorAll("input[name], textarea[name]").forEach((input) => {
          if (input.type === "checkbox" || input.type === "radio") {
            if (input.checked !== input.defaultChecked) dirty.set(input.name, input.checked);
          } else if (input.type !== "submit" && input.value !== input.defaultValue) {
            dirty.set(input.name, input.value);
          }
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
    scanForm = form;
    const code = form.querySelector("input[name=code]");
    const quantity = form.querySelector("input[name=quantity]");
    const damaged = form.querySelector("input[name=scan_damaged]");
    const selectors = (form.dataset.floorSwap || "").split(",").map((s) => s.trim()).filter(Boolean);
    let status = form.querySelector(".scan-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "scan-status";
      code.parentElement.appendChild(status);
    }
    const queue = [];
    let running = false;

    function showState(text) {
      status.textContent = text || (queue.length ? `sending ${queue.length} scan(s)…` : "");
      form.querySelectorAll("input[type=submit]:not([name=scan_submit]), button[type=submit]:not([name=scan_submit])")
        .forEach((button) => { button.disabled = queue.length > 0; });
    }

    async function post(item) {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
      body.append("code", item.code);
      if (quantity) body.append("quantity", item.quantity);
      if (item.damaged) body.append("scan_damaged", "1");
      body.append("scan_submit", "");
      const answer = await fetch(form.action || window.location.href, {
        method: "POST", body: body, credentials: "same-origin", headers: {"X-Requested-With": "XMLHttpRequest"},
      });
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      const parts = selectors.map((selector) => [document.querySelector(selector), fresh.querySelector(selector)]);
      if (!answer.ok || parts.some(([, incoming]) => !incoming)) {
        window.location.assign(answer.url);  // logged out, or the page changed shape (e.g. the order moved on)
        return false;
      }
      const dirty = dirtyInputs(selectors);
      const active = document.activeElement;
      const typing = isTypingField(active) && active.name ? {name: active.name, start: active.selectionStart,
                                                            end: active.selectionEnd} : null;
      parts.forEach(([current, incoming]) => current && current.replaceWith(incoming));
      dirty.forEach((value, name) => {
        const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
        if (!input) return;
        if (typeof value === "boolean") input.checked = value;
        else input.value = value;
      });
      if (typing) {  // a count being typed when the answer came keeps its focus and caret
        const input = form.querySelector(`[name="${CSS.escape(typing.name)}"]`);
        if (input) {
          input.focus({preventScroll: true});
          try { input.setSelectionRange(typing.start, typing.end); } catch (error) { /* not a text input */ }
        }
      }
      swapMessages(fresh);
      const result = messagesOf(document);
      announce(result.text || `${item.code}: scanned.`, result.kind, item.code);
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
        const unsent = queue.splice(0).map((item) => item.code).join(", ");
        showState();
        announce(`Connection lost: not counted: ${unsent}. Scan them again.`, "error");
      } finally {
        running = false;
        focusScan();
      }
    }

    form.addEventListener("submit", (event) => {
      const submitter = event.submitter;
      const isScan = submitter ? submitter.name === "scan_submit" : document.activeElement === code;
      const value = code.value.trim();
      // Enter in a count field, Save, Complete, or "Add" with nothing scanned: the plain post, as without a script
      if (!isScan || !value) return;
      event.preventDefault();
      code.value = "";
      for (const handler of handlers) {
        const handled = handler(value);
        if (handled) {
          announce(handled.text, handled.kind, value);
          code.focus({preventScroll: true});
          return;
        }
      }
      queue.push({code: value, quantity: quantity ? quantity.value || "1" : "1", damaged: damaged && damaged.checked});
      if (quantity) quantity.value = "1";
      if (damaged) damaged.checked = false;
      code.focus({preventScroll: true});
      showState();
      drain();
    });
  }

  function cameraSetUp(button) {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    button.hidden = false;
    const dialog = document.createElement("dialog");
    dialog.className = "floor-camera";
    dialog.innerHTML = '<video muted playsinline aria-label="camera"></video>'
      + '<p>Point the camera at the barcode.</p><button type="button" class="button">Close the camera</button>';
    document.body.appendChild(dialog);
    const video = dialog.querySelector("video");
    let stream = null;

    function stop() {
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      if (dialog.open) dialog.close();
      focusScan();
    }

    dialog.querySelector("button").addEventListener("click", stop);
    dialog.addEventListener("cancel", stop);
    button.addEventListener("click", async () => {
      try {
        const detector = new window.BarcodeDetector();
        stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
        video.srcObject = stream;
        dialog.showModal();
        await video.play();
        while (stream) {
          const codes = await detector.detect(video);
          if (codes.length && codes[0].rawValue) {
            stop();
            scan(codes[0].rawValue);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      } catch (error) {
        stop();
        announce(`The camera cannot scan here: ${error.message || error}.`, "error");
      }
    });
  }

  // A handheld with a scanner needs no on-screen keyboard over half the screen: the scan field's keyboard is
  // switched off with [data-floor-keyboard] (inputmode "none"), and stays so on this device (localStorage).
  function keyboardSetUp(button) {
    const field = scanField();
    if (!field) return;
    button.hidden = false;
    const show = (on) => {
      field.setAttribute("inputmode", on ? "text" : "none");
      button.setAttribute("aria-pressed", on ? "true" : "false");
    };
    let stored = null;
    try { stored = window.localStorage.getItem("wms.floor.keyboard"); } catch (error) { /* private mode */ }
    show(stored !== "off");
    button.addEventListener("click", () => {
      const on = field.getAttribute("inputmode") === "none";
      show(on);
      try { window.localStorage.setItem("wms.floor.keyboard", on ? "on" : "off"); } catch (error) { /* kept for now */ }
      field.blur();  // the keyboard follows the new mode at the next focus
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.body.classList.add("floor-js");
    const form = document.querySelector("form[data-floor-scan]");
    if (form) setUp(form);
    document.querySelectorAll("[data-floor-camera]").forEach(cameraSetUp);
    document.querySelectorAll("[data-floor-keyboard]").forEach(keyboardSetUp);
    // A page that answered a plain post (Save, Complete, a refusal) says its messages as a scan's result would.
    const first = messagesOf(document);
    if (first.count && document.getElementById("floor-result")) announce(first.text, first.kind);
    document.addEventListener("click", (event) => {
      const asking = event.target.closest("[data-floor-confirm]");  // a button that asks first (Complete, Ship)
      if (asking && !window.confirm(asking.dataset.floorConfirm)) {
        event.preventDefault();
        return;
      }
      if (!event.target.closest("a[href], select, textarea, input:not([type=checkbox]):not([type=radio]), dialog")) {
        setTimeout(focusScan, 0);
      }
    });
    document.addEventListener("keydown", (event) => {
      const active = document.activeElement;
      const field = scanField();
      if (!field || active === field || isTypingField(active) || event.ctrlKey || event.metaKey || event.altKey
          || event.key.length !== 1 || event.key === " " || document.querySelector(".floor-camera[open]")) return;
      field.focus({preventScroll: true});  // a wedge scanner's characters after a tap elsewhere land in the field
    });
    focusScan();
  });

  window.WmsFloor = {scan, announce, beep, focusScan, onScan: (handler) => handlers.push(handler)};
})();
