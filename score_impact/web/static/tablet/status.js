// The one place the screens read the tablet's state from: online or not, how many
// questionnaires wait to be sent, how many the server refused, when it last synced.
// Screens subscribe; sync.js and app.js publish.

const state = { online: navigator.onLine, pending: 0, refused: 0, syncing: false, lastSync: null };
const listeners = new Set();

export function status() {
  return { ...state };
}

export function publish(change) {
  Object.assign(state, change);
  for (const listener of listeners) listener(status());
}

export function subscribe(listener) {
  listeners.add(listener);
  listener(status());
  return () => listeners.delete(listener);
}
