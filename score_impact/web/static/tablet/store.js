// Everything the tablet keeps, in one IndexedDB object store (via the vendored idb-keyval):
//   bundle:<CODE>   the round's survey, factories and strings (replaced when it changes)
//   attempt:<CODE>  the worker's questionnaire in progress (saved after every tap)
//   outbox:<UUID>   completed questionnaires waiting for the server's acknowledgement
//   meta:<name>     the trainer's PIN (salted hash), the last round opened
// IndexedDB survives reloads, closed tabs and browser restarts; app.js also asks the
// browser to keep it under storage pressure (navigator.storage.persist).

import { createStore, del, entries, get, promisifyRequest, set } from "./vendor/idb-keyval.js";

const store = createStore("score-impact-tablet", "kv");

export const getBundle = (code) => get(`bundle:${code}`, store);
export const putBundle = (code, bundle) => set(`bundle:${code}`, bundle, store);
export const getAttempt = (code) => get(`attempt:${code}`, store);
export const putAttempt = (code, attempt) => set(`attempt:${code}`, attempt, store);
export const dropAttempt = (code) => del(`attempt:${code}`, store);
export const getMeta = (name) => get(`meta:${name}`, store);
export const putMeta = (name, value) => set(`meta:${name}`, value, store);

/** Queue a completed questionnaire and forget the attempt, in one transaction: either the
 *  response is in the outbox and the attempt gone, or nothing changed. */
export function queueAndClear(code, item) {
  return store("readwrite", (kv) => {
    kv.put(item, `outbox:${item.payload.client_uuid}`);
    kv.delete(`attempt:${code}`);
    return promisifyRequest(kv.transaction);
  });
}

/** Every queued item, oldest first. */
export async function outbox() {
  const all = await entries(store);
  return all
    .filter(([key]) => String(key).startsWith("outbox:"))
    .map(([, item]) => item)
    .sort((x, y) => x.queuedAt.localeCompare(y.queuedAt));
}

export const putOutboxItem = (item) => set(`outbox:${item.payload.client_uuid}`, item, store);
/** Delete a local copy: only ever after the server acknowledged it (sync.js). */
export const dropOutboxItem = (uuid) => del(`outbox:${uuid}`, store);
