// The worker's screens, drawn from the round bundle: the survey definition and the
// interface strings exactly as the server publishes them (nothing of either is written
// here). Same steps, texts and read-aloud as the kiosk, with the tablet screens of issue 12:
// every screen starts at the top; one read-aloud button beside each question and inside each
// answer's row (a speaker, never mistaken for an answer); code entry by big buttons (no
// keyboard); Next is the primary button; the check page is grouped by section and a tap on
// an answer goes back to that question.

import { h } from "./dom.js";
import * as flow from "./flow.js";
import { say, stop } from "./speech.js";
import { DECLINED, declinable } from "./rules.js";

const RESET_AFTER_MS = 8000;

/** ``{name}`` placeholders filled as Python's str.format does for the interface strings. */
export function translate(strings, key, params = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function labelOf(text, lang) {
  if (!text) return "";
  return text[lang] || Object.values(text)[0];
}

/** The screens of one round, drawn into ``root``; ``hooks`` saves and submits. */
export class Screens {
  constructor(root, bundle, hooks) {
    this.root = root;
    this.bundle = bundle;
    this.survey = bundle.survey;
    this.hooks = hooks;
    this.issues = {};
    this.resetTimer = null;
  }

  get attempt() {
    return this.hooks.attempt();
  }

  get lang() {
    return this.attempt.language || this.survey.languages[0];
  }

  t(key, params, lang = this.lang) {
    return translate(this.bundle.strings[lang] || {}, key, params);
  }

  voice(lang = this.lang) {
    return (this.bundle.languages[lang] || {}).speech || lang;
  }

  speaker(text, lang = this.lang, audio = null) {
    return h("button", {
      type: "button",
      class: "speak",
      "aria-label": `${this.t("kiosk.read_aloud", {}, lang)}: ${text}`,
      title: this.t("kiosk.read_aloud", {}, lang),
      onclick: (event) => {
        event.preventDefault();
        event.stopPropagation();
        say(text, this.voice(lang), audio);
      },
    });
  }

  /** A heading or paragraph with its read-aloud button beside it. */
  spoken(tag, text, attrs = {}) {
    return h("div", { class: "spoken" }, h(tag, attrs, text), this.speaker(text));
  }

  button(label, onclick, kind = "secondary", attrs = {}) {
    return h("button", { type: "button", class: `btn ${kind}`, onclick, ...attrs }, label);
  }

  /** A choice button in a row with its speaker at the right end. */
  choice(label, onclick, kind = "choice", attrs = {}) {
    return h("div", { class: "row" }, this.button(label, onclick, kind, attrs), this.speaker(label, attrs.lang || this.lang));
  }

  /** Replace the screen and start at its top (issue 12: never open scrolled down). */
  show(...children) {
    stop();
    clearTimeout(this.resetTimer);
    this.root.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
    window.scrollTo(0, 0);
    const heading = this.root.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }

  render() {
    const step = this.attempt.step;
    const screen = {
      language: () => this.language(),
      consent: () => this.consent(),
      factory: () => this.factory(),
      code: () => this.code(),
      section: () => this.section(),
      review: () => this.review(),
      done: () => this.finished("kiosk.thanks"),
      declined: () => this.finished("kiosk.declined"),
    }[step];
    screen();
  }

  change(mutate) {
    mutate(this.attempt);
    this.hooks.save();
    this.issues = {};
    this.render();
  }

  /** The factory's name in the worker's language where the bundle has one. */
  factoryName(factory) {
    return (factory.names || {})[this.lang] || factory.name;
  }

  // --- before the questions --------------------------------------------------------

  language() {
    const langs = this.survey.languages;
    const rows = langs.map((code) =>
      h(
        "div",
        { class: "row" },
        this.button(
          this.bundle.languages[code]?.name || code,
          () => this.change((a) => flow.chooseLanguage(a, this.survey, code)),
          "choice",
          { lang: code },
        ),
        this.speaker(this.t("kiosk.choose_language", {}, code), code),
      ),
    );
    this.show(
      h("h1", {}, langs.map((code) => h("span", { lang: code, class: "line" }, labelOf(this.survey.title, code)))),
      langs.map((code) => h("p", { lang: code, class: "lead" }, this.t("kiosk.choose_language", {}, code))),
      ...rows,
    );
  }

  consent() {
    const text = labelOf(this.survey.consent, this.lang);
    this.show(
      this.spoken("h1", this.t("kiosk.consent_title")),
      text ? this.spoken("p", text, { class: "consent" }) : null,
      this.choice(this.t("kiosk.agree"), () => this.change((a) => flow.consent(a, this.bundle.factories, true)), "choice primary"),
      this.choice(this.t("kiosk.decline"), () => this.change((a) => flow.consent(a, this.bundle.factories, false))),
    );
  }

  factory() {
    this.show(
      this.spoken("h1", this.t("kiosk.choose_factory")),
      ...this.bundle.factories.map((f) =>
        this.choice(this.factoryName(f), () => this.change((a) => flow.chooseFactory(a, this.bundle.factories, f.id))),
      ),
    );
  }

  code() {
    const a = this.attempt;
    const groups = Object.entries(this.bundle.code_elements).map(([name, allowed]) => {
      const question = this.t(`kiosk.code.${name}`);
      return h(
        "fieldset",
        { class: "code", dataset: { element: name } },
        h("legend", {}, h("span", {}, question), this.speaker(question)),
        h(
          "div",
          {
            class: "pad",
            style: `grid-template-columns: repeat(${allowed.length > 12 ? 7 : allowed.length > 10 ? 6 : 5}, 1fr)`,
            role: "radiogroup",
            "aria-label": question,
          },
          allowed.map((value) =>
            h(
              "button",
              {
                type: "button",
                role: "radio",
                class: "key",
                "aria-checked": String(a.code[name] === value),
                onclick: (event) => {
                  a.code[name] = value;
                  this.hooks.save();
                  for (const key of event.currentTarget.parentElement.children) {
                    key.setAttribute("aria-checked", String(key === event.currentTarget));
                  }
                },
              },
              String(value),
            ),
          ),
        ),
      );
    });
    const error = this.issues._code;
    this.show(
      this.spoken("h1", this.t("kiosk.code_title")),
      this.spoken("p", this.t("kiosk.code_intro")),
      ...groups,
      error ? h("p", { class: "error", role: "alert" }, error) : null,
      h("div", { class: "actions" }, this.button(this.t("kiosk.next"), () => this.enterCode(false), "primary")),
      h(
        "div",
        { class: "skip" },
        this.button(this.t("kiosk.skip_code"), () => this.enterCode(true), "quiet"),
        h("p", { class: "help" }, this.t("kiosk.skip_code_note")),
      ),
    );
  }

  enterCode(skipped) {
    const issues = flow.setCode(this.attempt, this.survey, this.bundle.code_elements, skipped);
    this.hooks.save();
    if (issues.length) {
      this.issues = { _code: this.t("validation.code_incomplete") };
      this.code();
      this.root.querySelector(".error")?.scrollIntoView({ block: "center" });
      return;
    }
    this.issues = {};
    this.render();
  }

  // --- the questions -----------------------------------------------------------------

  optionsOf(item) {
    const decline = declinable(this.survey, item) ? [[DECLINED, this.t("kiosk.prefer_not")]] : [];
    if (item.type === "likert") {
      return [...this.survey.scales[item.scale].map((p) => [p.value, labelOf(p.label, this.lang)]), ...decline];
    }
    if (item.type === "yes_no") return [[true, this.t("kiosk.yes")], [false, this.t("kiosk.no")], ...decline];
    return [...(item.options || []).map((o) => [o.value, labelOf(o.label, this.lang)]), ...decline];
  }

  question(item) {
    const a = this.attempt;
    let label = labelOf(item.label, this.lang);
    const audio = (item.audio || {})[this.lang] ? `/tablet/audio/${this.bundle.survey_version.id}/${item.id}/${this.lang}` : null;
    const head = h("div", { class: "spoken question-text" }, h("p", { id: `q-${item.id}` }, label), this.speaker(label, this.lang, audio));
    const help = item.help ? h("p", { class: "help" }, labelOf(item.help, this.lang)) : null;
    const error = this.issues[item.id] ? h("p", { class: "error", role: "alert" }, this.issues[item.id]) : null;
    let input;
    if (item.type === "note") {
      return h("section", { class: "item note", dataset: { item: item.id } }, head, help);
    } else if (item.type === "number" || item.type === "text") {
      const unit = item.unit ? ` (${labelOf(item.unit, this.lang)})` : "";
      input = h("input", {
        type: "text",
        inputmode: item.type === "number" ? "decimal" : "text",
        "aria-labelledby": `q-${item.id}`,
        maxlength: item.type === "text" ? item.max_length ?? 300 : 40,
        value: a.answers[item.id] ?? "",
        onchange: (event) => this.answered(item, event.target.value.trim() ? event.target.value : null),
      });
      input = h("label", { class: "free" }, input, unit);
    } else {
      const multiple = item.type === "multiple_choice";
      const current = a.answers[item.id];
      input = h(
        "div",
        { class: "options", role: multiple ? "group" : "radiogroup", "aria-labelledby": `q-${item.id}` },
        this.optionsOf(item).map(([value, text]) => {
          const checked = multiple ? (current || []).includes(value) : current === value;
          const control = h("input", {
            type: multiple ? "checkbox" : "radio",
            name: `${a.clientUuid}-${item.id}`,
            checked,
            onchange: (event) => {
              if (!multiple) return this.answered(item, value);
              const ticked = new Set(a.answers[item.id] || []);
              if (event.target.checked) ticked.add(value);
              else ticked.delete(value);
              this.answered(item, (item.options || []).map((o) => o.value).filter((v) => ticked.has(v)));
            },
          });
          return h("div", { class: "option" }, h("label", {}, control, h("span", {}, text)), this.speaker(text));
        }),
      );
    }
    return h("section", { class: "item", dataset: { item: item.id } }, head, help, input, error);
  }

  answered(item, value) {
    const a = this.attempt;
    const before = flow.visible(a, this.survey, this.survey.sections[a.sectionIndex]).map((i) => i.id).join();
    flow.answer(a, this.survey, item.id, value);
    this.hooks.save();
    delete this.issues[item.id];
    const after = flow.visible(a, this.survey, this.survey.sections[a.sectionIndex]).map((i) => i.id).join();
    const box = this.root.querySelector(`[data-item="${item.id}"] .error`);
    if (box) box.remove();
    if (before !== after) this.redrawSection(); // a follow-up question appears or goes
  }

  sectionBody() {
    const a = this.attempt;
    const section = this.survey.sections[a.sectionIndex];
    const [current, total] = flow.progress(a, this.survey);
    const title = labelOf(section.title, this.lang);
    return [
      h(
        "div",
        { class: "progress" },
        h("progress", { max: total, value: current }),
        h("span", {}, this.t("kiosk.progress", { current, total })),
      ),
      this.spoken("h1", title),
      section.intro ? this.spoken("p", labelOf(section.intro, this.lang)) : null,
      ...flow.visible(a, this.survey, section).map((item) => this.question(item)),
      Object.keys(this.issues).length ? h("p", { class: "error summary", role: "alert" }, this.t("kiosk.fix_errors")) : null,
      h(
        "div",
        { class: "actions" },
        this.button(a.returnToReview ? this.t("kiosk.to_review") : this.t("kiosk.next"), () => this.next(), "primary", { id: "next" }),
        this.button(this.t("kiosk.back"), () => this.change((x) => flow.back(x, this.survey))),
      ),
    ];
  }

  section() {
    this.show(...this.sectionBody());
    if (this.bundle.round.autoplay) this.root.querySelector(".item .speak")?.click(); // round setting
  }

  redrawSection() {
    const y = window.scrollY;
    this.root.replaceChildren(...this.sectionBody().filter(Boolean));
    window.scrollTo(0, y);
  }

  next() {
    const issues = flow.next(this.attempt, this.survey);
    this.hooks.save();
    if (!issues.length) {
      this.issues = {};
      this.render();
      return;
    }
    this.issues = Object.fromEntries(issues.map((i) => [i.item_id, this.t(`validation.${i.code}`, i.params)]));
    this.redrawSection();
    this.root.querySelector(".item .error")?.closest(".item").scrollIntoView({ block: "start" });
  }

  // --- the end -----------------------------------------------------------------------

  answerText(item, value) {
    if (value === undefined || value === null || (Array.isArray(value) && !value.length)) {
      return this.t("kiosk.not_answered");
    }
    if (value === DECLINED) return this.t("kiosk.prefer_not");
    if (item.type === "likert") {
      const point = this.survey.scales[item.scale].find((p) => p.value === value);
      return point ? labelOf(point.label, this.lang) : String(value);
    }
    if (item.type === "yes_no") return this.t(value ? "kiosk.yes" : "kiosk.no");
    if (item.options) {
      const chosen = Array.isArray(value) ? value : [value];
      return item.options.filter((o) => chosen.includes(o.value)).map((o) => labelOf(o.label, this.lang)).join(", ");
    }
    return String(value);
  }

  review() {
    const a = this.attempt;
    const groups = this.survey.sections
      .map((section) => {
        const items = flow.visible(a, this.survey, section).filter((i) => i.type !== "note");
        if (!items.length) return null;
        return h(
          "section",
          { class: "review-group" },
          this.spoken("h2", labelOf(section.title, this.lang)),
          items.map((item) => {
            const question = labelOf(item.label, this.lang);
            const said = this.answerText(item, a.answers[item.id]);
            return h(
              "div",
              { class: "review-row" },
              h(
                "button",
                {
                  type: "button",
                  class: "review-answer",
                  dataset: { item: item.id },
                  onclick: () => this.jump(item.id),
                },
                h("span", { class: "q" }, question),
                h("span", { class: "a" }, said),
              ),
              this.speaker(`${question} ${said}`),
            );
          }),
        );
      })
      .filter(Boolean);
    const problems = Object.values(this.issues);
    this.show(
      this.spoken("h1", this.t("kiosk.review_title")),
      this.spoken("p", this.t("kiosk.review_intro")),
      ...groups,
      problems.map((p) => h("p", { class: "error", role: "alert" }, p)),
      h(
        "div",
        { class: "actions" },
        this.button(this.t("kiosk.submit"), () => this.submit(), "primary", { id: "submit" }),
        this.button(this.t("kiosk.back"), () => this.change((x) => flow.back(x, this.survey))),
      ),
    );
  }

  jump(itemId) {
    flow.jumpTo(this.attempt, this.survey, itemId);
    this.hooks.save();
    this.issues = {};
    this.render();
    this.root.querySelector(`[data-item="${itemId}"]`)?.scrollIntoView({ block: "start" });
  }

  async submit() {
    const issues = flow.finalIssues(this.attempt, this.survey);
    if (issues.length) {
      this.issues = Object.fromEntries(issues.map((i) => [i.item_id, this.t(`validation.${i.code}`, i.params)]));
      this.review();
      return;
    }
    await this.hooks.submit(flow.payload(this.attempt, this.survey));
  }

  finished(key) {
    const text = this.t(key);
    this.show(
      h("div", { class: "thanks" }, this.spoken("h1", text)),
      h("div", { class: "actions" }, this.button(this.t("kiosk.next_worker"), () => this.hooks.nextWorker(), "primary")),
    );
    this.resetTimer = setTimeout(() => this.hooks.nextWorker(), RESET_AFTER_MS);
  }
}
