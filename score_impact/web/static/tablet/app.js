// The offline tablet client: /tablet?code=JOIN.
//
// Opened once online (by the trainer), it installs a service worker that keeps the app,
// and stores the round's bundle (survey, factories, interface strings) in IndexedDB. From
// then on every tap is answered on the tablet. A completed questionnaire goes to the
// outbox and is sent when the server is reachable (sync.js); the trainer sees how many
// wait behind a PIN. Without a secure context (plain HTTP to a LAN address) browsers allow
// no service worker: the page says so in every language of the tablet and goes on to the
// online kiosk (/?code=JOIN).

import { h } from "./dom.js";
import * as flow from "./flow.js";
import { Screens, labelOf, translate } from "./screens.js";
import { setNoVoiceHandler } from "./speech.js";
import { publish, subscribe } from "./status.js";
import * as store from "./store.js";
import { refreshCounts, sync } from "./sync.js";

const root = document.getElementById("app");

/** Replace the page's content (null and false children are left out). */
function fill(...children) {
  root.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}
const boot = JSON.parse(document.getElementById("boot").textContent);
const SYNC_EVERY_MS = 20000;
const KIOSK_AFTER_MS = 12000;
const ROUND_GONE = new Set(["round_closed", "unknown_round", "not_worker_round"]);

function normalise(code) {
  return (code || "").replace(/\s+/g, "").toUpperCase();
}

/** A message in every shipped language (before the survey's own languages are known). */
function everyLanguage(key, params = {}) {
  return Object.keys(boot.languages).map((lang) =>
    h("p", { lang, class: "multi" }, translate(boot.strings[lang] || {}, key, params)),
  );
}

function message(key, extra = []) {
  fill(h("h1", {}, Object.keys(boot.languages).map((l) => translate(boot.strings[l], "kiosk.title")).join(" · ")), ...everyLanguage(key), ...extra);
}

function goOnline(code) {
  location.assign(code ? `/?code=${encodeURIComponent(code)}` : "/");
}

function insecure(code) {
  const go = h("button", { type: "button", class: "btn primary", onclick: () => goOnline(code) },
    Object.keys(boot.languages).map((l) => translate(boot.strings[l], "tablet.to_online_kiosk")).join(" / "));
  message("tablet.insecure", [go]);
  setTimeout(() => goOnline(code), KIOSK_AFTER_MS);
}

function askForCode() {
  const input = h("input", { type: "text", autocapitalize: "characters", autocomplete: "off", id: "join" });
  const open = () => {
    const code = normalise(input.value);
    if (code) location.assign(`/tablet?code=${encodeURIComponent(code)}`);
  };
  const langs = Object.keys(boot.languages);
  fill(
    h("h1", {}, langs.map((l) => translate(boot.strings[l], "kiosk.title")).join(" · ")),
    h("label", { for: "join" }, langs.map((l) => h("span", { lang: l, class: "line" }, translate(boot.strings[l], "kiosk.enter_code")))),
    input,
    h("button", { type: "button", class: "btn primary", onclick: open }, langs.map((l) => translate(boot.strings[l], "kiosk.open")).join(" · ")),
  );
}

async function fetchBundle(code) {
  const response = await fetch(`/api/v1/tablet/rounds/${encodeURIComponent(code)}`, {
    credentials: "same-origin",
    signal: AbortSignal.timeout(10000),
  });
  if (response.ok) return { bundle: await response.json() };
  let error = { code: "unreachable" };
  try {
    error = (await response.json()).error;
  } catch {
    /* keep unreachable */
  }
  return { error };
}

async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function setPin(pin) {
  const salt = crypto.randomUUID();
  await store.putMeta("pin", { salt, hash: await sha256(`${salt}:${pin}`) });
}

async function pinMatches(pin) {
  const saved = await store.getMeta("pin");
  return Boolean(saved) && saved.hash === (await sha256(`${saved.salt}:${pin}`));
}

class Tablet {
  constructor(code, bundle) {
    this.code = code;
    this.bundle = bundle;
    this.current = null;
    this.screens = new Screens(root, bundle, {
      attempt: () => this.current,
      save: () => this.save(),
      submit: (payload) => this.submit(payload),
      nextWorker: () => this.nextWorker(),
    });
    this.trainerLang = bundle.survey.languages[0];
    setNoVoiceHandler(() => this.noVoice());
  }

  t(key, params = {}) {
    return translate(this.bundle.strings[this.trainerLang] || {}, key, params);
  }

  save() {
    // Not awaited: the next screen is drawn at once; IndexedDB keeps writes in order.
    store.putAttempt(this.code, this.current).catch((e) => console.error("saving the attempt", e));
  }

  async start() {
    this.current = (await store.getAttempt(this.code)) || flow.newAttempt(this.bundle);
    if (this.current.roundId !== this.bundle.round.id) this.current = flow.newAttempt(this.bundle);
    if (!(await store.getMeta("pin"))) return this.setup();
    this.work();
  }

  work() {
    if (this.closed && this.current.step === flow.Step.LANGUAGE) return this.showClosed();
    this.screens.render();
    this.corner();
  }

  corner() {
    if (document.getElementById("trainer")) return;
    document.body.append(
      h("button", { type: "button", id: "trainer", class: "trainer", onclick: () => this.askPin() }, this.t("tablet.trainer")),
    );
  }

  noVoice() {
    const text = translate(this.bundle.strings[this.screens.lang] || {}, "kiosk.no_voice");
    const note = h("p", { class: "no-voice", role: "status" }, text);
    document.querySelector(".no-voice")?.remove();
    document.body.append(note); // at the bottom of the screen, for a few seconds
    setTimeout(() => note.remove(), 6000);
  }

  async submit(payload) {
    await store.queueAndClear(this.code, { payload, queuedAt: new Date().toISOString(), refused: null });
    this.current.step = flow.Step.DONE;
    this.screens.render();
    await refreshCounts();
    sync();
  }

  nextWorker() {
    this.current = flow.newAttempt(this.bundle);
    store.dropAttempt(this.code);
    this.screens.issues = {};
    if (this.closed) return this.showClosed();
    this.screens.render();
  }

  /** The server says the round takes no more answers (closed, or gone): no new worker
   *  starts on this tablet; one already answering may finish (the trainer sees what the
   *  server refuses). Reopening the round and starting the page again lifts it. */
  roundClosed(code) {
    this.closed = code;
    if (this.current.step === flow.Step.LANGUAGE) this.showClosed();
  }

  showClosed() {
    const key = this.closed === "round_closed" ? "kiosk.closed_round" : "kiosk.unknown_round";
    fill(
      h("h1", {}, this.bundle.survey.languages.map((l) => h("span", { lang: l, class: "line" }, labelOf(this.bundle.survey.title, l)))),
      this.bundle.survey.languages.map((l) => h("p", { lang: l, class: "lead", id: "round-closed" }, translate(this.bundle.strings[l] || {}, key))),
    );
    this.corner();
  }

  // --- trainer: set-up, PIN, panel --------------------------------------------------

  languagePicker(redraw) {
    return h(
      "div",
      { class: "row" },
      this.bundle.survey.languages.map((code) =>
        h("button", { type: "button", class: `btn ${code === this.trainerLang ? "primary" : "secondary"}`, onclick: () => {
          this.trainerLang = code;
          redraw();
        } }, this.bundle.languages[code]?.name || code),
      ),
    );
  }

  async offlineReady() {
    const registration = await navigator.serviceWorker.getRegistration("/tablet");
    return Boolean(registration && registration.active && (await store.getBundle(this.code)));
  }

  async setup(first = null, problem = null) {
    const ready = await this.offlineReady();
    const title = labelOf(this.bundle.survey.title, this.trainerLang);
    const redraw = () => this.setup(first, problem);
    fill(
      this.languagePicker(redraw),
      h("h1", {}, this.t("tablet.setup_title")),
      h("p", { class: ready ? "ok" : "warn", id: "offline-ready" }, this.t(ready ? "tablet.setup_ready" : "tablet.setup_not_ready", { title })),
      problem ? h("p", { class: "error", role: "alert" }, problem) : null,
      h("p", {}, this.t(first ? "tablet.pin_again" : "tablet.setup_pin")),
      this.pinPad(async (pin) => {
        if (!first) return this.setup(pin);
        if (pin !== first) return this.setup(null, this.t("tablet.pin_mismatch"));
        await setPin(pin);
        this.work();
      }),
    );
    if (!ready) setTimeout(() => root.querySelector("#offline-ready")?.classList.contains("warn") && this.setup(first, problem), 1000);
  }

  pinPad(done) {
    let typed = "";
    const shown = h("output", { class: "pin", "aria-live": "polite" }, "");
    const press = (digit) => {
      typed = (typed + digit).slice(0, 4);
      shown.textContent = "•".repeat(typed.length);
      if (typed.length === 4) {
        const pin = typed;
        typed = "";
        done(pin);
      }
    };
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "⌫"].map((k) =>
      k === ""
        ? h("span", {})
        : h("button", { type: "button", class: "key", "aria-label": k === "⌫" ? "delete" : k, onclick: () => {
            if (k === "⌫") {
              typed = typed.slice(0, -1);
              shown.textContent = "•".repeat(typed.length);
            } else press(k);
          } }, k),
    );
    return h("div", { class: "pinpad" }, shown, h("div", { class: "pad pad-pin" }, keys));
  }

  askPin(problem = null) {
    const close = this.button(this.t("tablet.close"), () => this.work());
    fill(
      h("h1", {}, this.t("tablet.enter_pin")),
      problem ? h("p", { class: "error", role: "alert" }, problem) : null,
      this.pinPad(async (pin) => ((await pinMatches(pin)) ? this.panel() : this.askPin(this.t("tablet.wrong_pin")))),
      h("div", { class: "actions" }, close, this.button(this.t("tablet.forgot_pin"), () => this.forgotPin())),
    );
    window.scrollTo(0, 0);
  }

  async forgotPin() {
    const items = await store.outbox();
    if (items.length) return this.askPin(this.t("tablet.pin_reset_blocked"));
    await store.putMeta("pin", null);
    this.setup();
  }

  button(label, onclick, kind = "secondary", attrs = {}) {
    return h("button", { type: "button", class: `btn ${kind}`, onclick, ...attrs }, label);
  }

  /** Why the server refused what it refused, counted by reason (in the trainer's language). */
  async refusals() {
    const reasons = {};
    for (const item of (await store.outbox()).filter((i) => i.refused)) {
      const key = `tablet.refused.${item.refused.code}`;
      const known = key in (this.bundle.strings[this.trainerLang] || {});
      const text = known ? this.t(key) : `${item.refused.code} (${item.refused.message || item.refused.status})`;
      reasons[text] = (reasons[text] || 0) + 1;
    }
    return reasons;
  }

  async panel() {
    const ready = await this.offlineReady();
    const list = h("dl", { class: "panel" });
    const refusals = h("div", { class: "refusals" });
    const drawRefusals = async () => {
      const reasons = await this.refusals();
      refusals.replaceChildren(
        ...Object.entries(reasons).map(([text, n]) => h("p", { class: "error" }, `${n} × ${text}`)),
        ...(Object.keys(reasons).length
          ? [this.button(this.t("tablet.retry_refused"), () => sync(true), "secondary", { id: "retry-refused" })]
          : []),
      );
    };
    const unsubscribe = subscribe((s) => {
      list.replaceChildren(
        h("dt", {}, this.t("tablet.pending", { n: s.pending })),
        h("dd", { id: "pending", dataset: { n: s.pending } }, String(s.pending)),
        h("dt", {}, this.t("tablet.refused", { n: s.refused })),
        h("dd", { id: "refused", dataset: { n: s.refused } }, String(s.refused)),
        h("dt", {}, this.t(s.online ? "tablet.online" : "tablet.offline")),
        h("dd", {}, this.t("tablet.last_sync", { time: s.lastSync ? new Date(s.lastSync).toLocaleString() : this.t("tablet.never") })),
        h("dt", {}, this.t(ready ? "tablet.offline_ready" : "tablet.offline_not_ready")),
        h("dd", {}, this.bundle.round.join_code),
      );
      drawRefusals();
    });
    const leave = () => {
      unsubscribe();
      this.work();
    };
    fill(
      this.languagePicker(() => {
        unsubscribe();
        this.panel();
      }),
      h("h1", {}, this.t("tablet.panel_title")),
      list,
      refusals,
      h(
        "div",
        { class: "actions" },
        this.button(this.t("tablet.send_now"), () => sync(), "primary", { id: "send-now" }),
        this.button(this.t("tablet.close"), leave, "secondary", { id: "close-panel" }),
      ),
    );
    window.scrollTo(0, 0);
  }
}

async function main() {
  const params = new URLSearchParams(location.search);
  const code = normalise(params.get("code")) || (await store.getMeta("last_code").catch(() => null)) || "";
  if (!window.isSecureContext || !("serviceWorker" in navigator) || !("indexedDB" in window)) {
    return insecure(code);
  }
  navigator.serviceWorker.register("/tablet/sw.js", { scope: "/tablet" }).catch((e) => console.error("service worker", e));
  navigator.storage?.persist?.();
  if (!code) return askForCode();
  message("tablet.loading");
  let bundle = await store.getBundle(code);
  const fresh = fetchBundle(code).catch(() => ({ error: { code: "unreachable" } }));
  if (!bundle) {
    const { bundle: got, error } = await fresh;
    if (!got) {
      const key = { unknown_round: "kiosk.unknown_round", round_closed: "kiosk.closed_round", not_worker_round: "kiosk.unknown_round" }[error.code] || "tablet.no_copy";
      return message(key, [h("button", { type: "button", class: "btn secondary", onclick: () => location.reload() }, "↻")]);
    }
    bundle = got;
    await store.putBundle(code, bundle);
  }
  await store.putMeta("last_code", code);
  const tablet = new Tablet(code, bundle);
  window.scoreTablet = tablet; // for the trainer's browser console and the tests
  await tablet.start();
  fresh.then(async ({ bundle: got, error }) => {
    if (got && got.etag !== bundle.etag) await store.putBundle(code, got); // from the next start on
    if (error && ROUND_GONE.has(error.code)) tablet.roundClosed(error.code);
  });
  window.addEventListener("online", () => sync());
  window.addEventListener("offline", () => publish({ online: false }));
  await refreshCounts();
  sync();
  setInterval(() => {
    if (document.visibilityState === "visible") sync();
  }, SYNC_EVERY_MS);
}

main().catch((error) => {
  console.error(error);
  message("tablet.no_copy");
});
