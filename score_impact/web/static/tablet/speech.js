// Read-aloud, as on the kiosk (score_impact/read_aloud.py): a recorded file from the survey
// definition when there is one, else the tablet's own speech synthesis in the worker's
// language; when the tablet has no voice for it, a message in that language says so.

let onNoVoice = () => {};

export function setNoVoiceHandler(handler) {
  onNoVoice = handler;
}

function voiceFor(tag) {
  const synth = window.speechSynthesis;
  if (!synth) return undefined;
  const prefix = tag.slice(0, 2).toLowerCase();
  return synth.getVoices().find((v) => v.lang.replace("_", "-").toLowerCase().startsWith(prefix));
}

export function stop() {
  if (window.speechSynthesis) window.speechSynthesis.cancel();
}

/** Say ``text`` in the voice tagged ``tag`` (e.g. zh-CN), or play ``audioUrl``. */
export function say(text, tag, audioUrl = null) {
  stop();
  if (audioUrl) {
    new Audio(audioUrl).play().catch(() => say(text, tag));
    return;
  }
  const voice = voiceFor(tag);
  if (!voice) {
    onNoVoice(tag);
    return;
  }
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = tag;
  utterance.voice = voice;
  utterance.rate = 0.9;
  window.speechSynthesis.speak(utterance);
}
