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

// ----- numbers: score_impact/numbers.py (the language's symbols come from the browser's CLDR,
// the server's from Babel's; for the app's languages they agree) --------------------------
const NUMBER_LIMIT = 1e12;
const SPACES = " \u00a0\u202f";

function escapeRe(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Full-width digits and punctuation (Chinese keyboards) as ASCII. */
function halfwidth(text) {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

function symbols(lang) {
  const parts = new Intl.NumberFormat(lang).formatToParts(12345.6);
  const part = (type, fallback) => (parts.find((p) => p.type === type) || { value: fallback }).value;
  return [part("decimal", "."), part("group", ",")];
}

function read(text, decimal, group) {
  const g = /\s/.test(group) || SPACES.includes(group) ? "[ \\u00a0\\u202f]" : escapeRe(group);
  const re = new RegExp(
    `^([+-]?)([0-9]+|[1-9][0-9]{0,2}(?:${g}[0-9]{3})+)?(?:${escapeRe(decimal)}([0-9]*))?$`,
  );
  const m = re.exec(text);
  if (!m || !(m[2] || m[3])) return null;
  return Number(`${m[1]}${(m[2] || "0").replace(/[^0-9]/g, "")}.${m[3] || "0"}`);
}

function wide(value, lang) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 20 }).format(value);
}

function limit(value, lang) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 3 }).format(value);
}

/** parse_number: [number, null] or [null, {code, params}]. */
export function parseNumber(text, lang = "en") {
  const typed = halfwidth(text).trim();
  const [decimal, group] = symbols(lang);
  const value = read(typed, decimal, group);
  const ambiguous = (first, second) => [
    null,
    { code: "ambiguous_number", params: { text: typed, first: wide(first, lang), second: wide(second, lang) } },
  ];
  if (value !== null) {
    const lone = new RegExp(`^[+-]?[1-9][0-9]{0,2}${escapeRe(decimal)}[0-9]{3}$`);
    if (lone.test(typed)) return ambiguous(Number(typed.replace(/[^0-9+-]/g, "")), value);
    if (!Number.isFinite(value)) return [null, { code: "not_a_number", params: {} }];
    return [value, null];
  }
  const other = read(typed, group, decimal);
  const mine = read(typed.split(group).join(""), decimal, group);
  if (other === null || mine === null || mine === other) return [null, { code: "not_a_number", params: {} }];
  return ambiguous(mine, other);
}

/** Python check_number: [value, null] or [null, issue]. */
export function checkNumber(itemId, value, low, high, integer, lang = "en") {
  const problem = (code, params = {}) => [null, { item_id: itemId, code, params }];
  if (typeof value === "boolean") return problem("not_a_number");
  if (typeof value === "string") {
    const [number, refused] = parseNumber(value, lang);
    if (refused) return problem(refused.code, refused.params);
    value = number;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return problem("not_a_number");
  if (integer && !Number.isInteger(value)) return problem("whole_number");
  if (low !== undefined && low !== null && value < low) return problem("too_small", { min: limit(low, lang) });
  const top = high === undefined || high === null ? NUMBER_LIMIT : Math.min(high, NUMBER_LIMIT);
  if (value > top) return problem("too_large", { max: limit(top, lang) });
  if (value < -NUMBER_LIMIT) return problem("too_small", { min: limit(-NUMBER_LIMIT, lang) });
  return [value, null];
}

// ----- text: score_impact/text.py clean_block -------------------------------------------
const INVISIBLE = new Set([..."\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u2028\u2029"]);

function cleanBlock(value) {
  const text = value.replace(/\r\n/g, "\n").replace(/\r/g, "\n").normalize("NFC");
  const kept = [...text].filter(
    (c) => c === "\n" || c === "\t" || !(INVISIBLE.has(c) || /^[\p{Cc}\p{Cs}]$/u.test(c)),
  );
  return kept.join("").trim();
}

function issue(item, code, params = {}) {
  return [null, { item_id: item.id, code, params }];
}

function checkOne(item, value, survey, lang) {
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
      return checkNumber(item.id, value, item.min, item.max, item.integer, lang);
    case "text": {
      if (typeof value !== "string") return issue(item, "not_text");
      const text = cleanBlock(value);
      const most = item.max_length ?? 300;
      if ([...text].length > most) return issue(item, "too_long", { max: most }); // code points
      return [text, null];
    }
    default:
      return [null, null]; // notes store nothing
  }
}

/**
 * validate_answers: [clean answers, issues] for ``items`` (default: the whole survey), with
 * numbers read the way ``lang`` writes them. Hidden and blank items are dropped; unknown
 * item ids are an issue.
 */
export function validateAnswers(survey, answers, items = null, lang = "en") {
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
    const [coerced, problem] = checkOne(item, value, survey, lang);
    if (problem) issues.push(problem);
    else if (coerced !== null) clean[item.id] = coerced;
  }
  return [clean, issues];
}
