// Sends the outbox: each completed questionnaire once, keyed by its client UUID, oldest
// first. A local copy is deleted only after the server acknowledged it (201 stored, or 200
// "already stored": a resend after a lost answer). A refusal (4xx: closed round, invalid
// answers) is kept on the tablet, marked, and shown to the trainer: never deleted silently.
// A network failure, a 5xx or a 429 stops the run; the next try comes later.

import { dropOutboxItem, outbox, putOutboxItem } from "./store.js";
import { publish } from "./status.js";

const SUBMIT = "/api/v1/tablet/responses";
const TIMEOUT_MS = 15000;
let running = null;

async function counts() {
  const items = await outbox();
  const refused = items.filter((i) => i.refused).length;
  return { pending: items.length - refused, refused };
}

export async function refreshCounts() {
  publish(await counts());
}

async function sendOne(item) {
  const response = await fetch(SUBMIT, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(item.payload),
    credentials: "same-origin",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (response.status === 200 || response.status === 201) {
    await dropOutboxItem(item.payload.client_uuid);
    return "sent";
  }
  if (response.status === 429 || response.status >= 500) return "later";
  let error = { status: response.status, code: "refused", message: "" };
  try {
    error = (await response.json()).error || error;
  } catch {
    /* not JSON: keep the status */
  }
  await putOutboxItem({ ...item, refused: error, triedAt: new Date().toISOString() });
  return "refused";
}

async function run(retryRefused) {
  publish({ syncing: true });
  try {
    for (const item of await outbox()) {
      if (item.refused && !retryRefused) continue;
      let outcome;
      try {
        outcome = await sendOne(item);
      } catch {
        publish({ online: false });
        return;
      }
      publish({ online: true });
      if (outcome === "later") return;
      if (outcome === "sent") publish({ lastSync: new Date().toISOString(), ...(await counts()) });
    }
    publish({ lastSync: new Date().toISOString() });
  } finally {
    publish({ syncing: false, ...(await counts()) });
  }
}

/** Send what waits (one run at a time in this tab; other tabs are harmless: the server
 *  stores a UUID once). ``retryRefused`` also resends refused items (the trainer's choice,
 *  e.g. after a closed round was reopened). */
export function sync(retryRefused = false) {
  if (!running) {
    running = run(retryRefused).finally(() => {
      running = null;
    });
  }
  return running;
}
