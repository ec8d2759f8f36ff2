// Skip logic and answer checks, so every tap is answered on the tablet with no server
// round trip. A line-by-line port of score_impact/surveys/schema.py (Condition.holds) and
// score_impact/surveys/validation.py; tests/e2e/test_tablet_rules.py runs both on the same
// few hundred questionnaires and requires the same issues. The server checks everything
// again when the response arrives: this is for the worker's sake, not for trust.

const BOOLEAN_WORDS = { yes: true, true: true, no: false, false: false };
/** What an explicit "prefer not to answer" is sent as (schema.DECLINED). */
export const DECLINED = "prefer_not_to_answer";
const DECLINABLE = ["likert", "yes_no", "single_choice"];

/** Survey.declinable: whether ``item`` offers "prefer not to answer". */
export function declinable(survey, item) {
  const own = item.prefer_not_to_answer;
  const wanted = own === undefined || own === null ? Boolean(survey.prefer_not_to_answer) : own;
  return wanted && DECLINABLE.includes(item.type);
}
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Python's float() of a string (stripped), or NaN. */
function toFloat(text) {
  const t = text.trim();
  if (NUMBER.test(t)) return Number(t);
  const word = t.toLowerCase().replace(/^[+-]/, "");
  if (word === "inf" || word === "infinity") return t.startsWith("-") ? -Infinity : Infinity;
  return NaN;
}

/** Whether a show_if condition holds for the referenced item's answer (undefined = none). */
export function holds(cond, value) {
  if (value === null || value === undefined) return false;
  if (cond.equals !== undefined && cond.equals !== null) {
    if (Array.isArray(value)) return value.map(String).includes(String(cond.equals));
    if (typeof cond.equals === "boolean" || typeof value === "boolean") {
      let wanted = cond.equals;
      if (typeof wanted === "string") {
        wanted = BOOLEAN_WORDS[wanted.trim().toLowerCase()];
        if (wanted === undefined) return false;
      }
      return typeof value === "boolean" && value === Boolean(wanted);
    }
    return String(value) === String(cond.equals);
  }
  if (cond.in !== undefined && cond.in !== null) {
    const wanted = new Set(cond.in.map(String));
    return (Array.isArray(value) ? value : [value]).some((v) => wanted.has(String(v)));
  }
  let number;
  if (typeof value === "boolean") number = value ? 1 : 0;
  else if (typeof value === "number") number = value;
  else if (typeof value === "string") number = toFloat(value);
  else return false;
  if (Number.isNaN(number)) return false;
  if (cond.at_least !== undefined && cond.at_least !== null) return number >= cond.at_least;
  return cond.at_most !== undefined && cond.at_most !== null && number <= cond.at_most;
}

export function isVisible(item, answers) {
  return !item.show_if || holds(item.show_if, answers[item.show_if.item]);
}

export function allItems(survey) {
  return survey.sections.flatMap((s) => s.items);
}

function blank(value) {
  return (
    value === null ||
    value === undefined ||
    (typeof value === "string" && !value.trim()) ||
    (Array.isArray(value) && value.length === 0)
  );
}

function fmt(x) {
  return String(x);
}

/** Python check_number: [value, null] or [null, issue]. */
export function checkNumber(itemId, value, low, high, integer) {
  if (typeof value === "boolean") return [null, { item_id: itemId, code: "not_a_number", params: {} }];
  if (typeof value === "string") {
    value = toFloat(value.replace(/,/g, "."));
    if (Number.isNaN(value)) return [null, { item_id: itemId, code: "not_a_number", params: {} }];
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return [null, { item_id: itemId, code: "not_a_number", params: {} }];
  }
  if (integer && !Number.isInteger(value)) return [null, { item_id: itemId, code: "whole_number", params: {} }];
  if (low !== undefined && low !== null && value < low) {
    return [null, { item_id: itemId, code: "too_small", params: { min: fmt(low) } }];
  }
  if (high !== undefined && high !== null && value > high) {
    return [null, { item_id: itemId, code: "too_large", params: { max: fmt(high) } }];
  }
  return [value, null];
}

function issue(item, code, params = {}) {
  return [null, { item_id: item.id, code, params }];
}

function checkOne(item, value, survey) {
  const options = (item.options || []).map((o) => o.value);
  if (value === DECLINED) return declinable(survey, item) ? [DECLINED, null] : issue(item, "choose_option");
  switch (item.type) {
    case "likert": {
      const points = survey.scales[item.scale].map((p) => p.value);
      if (typeof value !== "number" || !points.includes(value)) return issue(item, "choose_option");
      return [Math.trunc(value), null];
    }
    case "yes_no":
      return typeof value === "boolean" ? [value, null] : issue(item, "choose_option");
    case "single_choice":
      return typeof value === "string" && options.includes(value) ? [value, null] : issue(item, "choose_option");
    case "multiple_choice": {
      if (!Array.isArray(value) || !value.every((v) => options.includes(v))) return issue(item, "choose_option");
      return [options.filter((o) => value.includes(o)), null];
    }
    case "number":
      return checkNumber(item.id, value, item.min, item.max, item.integer);
    case "text": {
      if (typeof value !== "string") return issue(item, "not_text");
      const text = value.trim();
      const limit = item.max_length ?? 300;
      if ([...text].length > limit) return issue(item, "too_long", { max: limit }); // code points
      return [text, null];
    }
    default:
      return [null, null]; // notes store nothing
  }
}

/**
 * validate_answers: [clean answers, issues] for ``items`` (default: the whole survey).
 * Hidden and blank items are dropped; unknown item ids are an issue.
 */
export function validateAnswers(survey, answers, items = null) {
  const every = allItems(survey);
  const scope = items ?? every;
  const known = new Set(every.map((i) => i.id));
  const issues = Object.keys(answers)
    .filter((k) => !known.has(k))
    .map((k) => ({ item_id: k, code: "unknown_item", params: {} }));
  const clean = {};
  for (const item of scope) {
    if (item.type === "note" || !isVisible(item, answers)) continue;
    const value = answers[item.id];
    if (blank(value)) {
      if (item.required !== false) issues.push({ item_id: item.id, code: "required", params: {} });
      continue;
    }
    const [coerced, problem] = checkOne(item, value, survey);
    if (problem) issues.push(problem);
    else if (coerced !== null) clean[item.id] = coerced;
  }
  return [clean, issues];
}
