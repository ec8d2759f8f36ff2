// The worker's way through the survey, as plain data and functions (no DOM), the same
// steps as the kiosk's state machine (score_impact/kiosk.py):
// language -> consent -> factory (skipped when the round has one) -> private code ->
// one screen per section with a visible question -> review -> done (or declined).
// An attempt is a plain object, so it is stored as it is in IndexedDB after every tap and
// survives a reload, a closed tab or a restarted browser.

import { isVisible, validateAnswers } from "./rules.js";

export const Step = Object.freeze({
  LANGUAGE: "language",
  CONSENT: "consent",
  FACTORY: "factory",
  CODE: "code",
  SECTION: "section",
  REVIEW: "review",
  DONE: "done",
  DECLINED: "declined",
});

export function newAttempt(bundle) {
  return {
    clientUuid: crypto.randomUUID(),
    joinCode: bundle.round.join_code,
    roundId: bundle.round.id,
    step: Step.LANGUAGE,
    language: null,
    enterpriseId: null,
    sectionIndex: 0,
    answers: {},
    code: {}, // the private code's elements while being entered
    codeSkipped: false,
    startedAt: new Date().toISOString(),
    completedAt: null,
    returnToReview: false, // came from the review screen to change an answer
  };
}

export function chooseLanguage(a, survey, language) {
  if (!survey.languages.includes(language)) throw new Error(`language ${language} not offered`);
  a.language = language;
  a.step = Step.CONSENT;
}

export function consent(a, factories, agreed) {
  if (!agreed) {
    a.step = Step.DECLINED;
  } else if (factories.length === 1) {
    a.enterpriseId = factories[0].id;
    a.step = Step.CODE;
  } else {
    a.step = Step.FACTORY;
  }
}

export function chooseFactory(a, factories, enterpriseId) {
  if (!factories.some((f) => f.id === enterpriseId)) throw new Error("factory not in round");
  a.enterpriseId = enterpriseId;
  a.step = Step.CODE;
}

export function visible(a, survey, section) {
  return section.items.filter((i) => isVisible(i, a.answers));
}

function nextSection(a, survey, after) {
  for (let i = after + 1; i < survey.sections.length; i++) {
    if (visible(a, survey, survey.sections[i]).length) return i;
  }
  return survey.sections.length;
}

function previousSection(a, survey, before) {
  for (let i = before - 1; i >= 0; i--) {
    if (visible(a, survey, survey.sections[i]).length) return i;
  }
  return null;
}

/** Enter the survey after the code screen: the elements, or skipped (null). Returns the
 *  issues (an incomplete code), like KioskAttempt.set_code. */
export function setCode(a, survey, codeElements, skipped) {
  if (!skipped) {
    const complete = Object.entries(codeElements).every(([name, allowed]) =>
      allowed.includes(a.code[name]),
    );
    if (!complete) return [{ item_id: "_code", code: "code_incomplete", params: {} }];
  }
  a.codeSkipped = skipped;
  a.sectionIndex = nextSection(a, survey, -1);
  a.step = a.sectionIndex < survey.sections.length ? Step.SECTION : Step.REVIEW;
  return [];
}

/** Record one answer; answers of questions hidden by it are dropped at once. */
export function answer(a, survey, itemId, value) {
  if (value === null || value === undefined || (Array.isArray(value) && !value.length)) {
    delete a.answers[itemId];
  } else {
    a.answers[itemId] = value;
  }
  for (const item of survey.sections.flatMap((s) => s.items)) {
    if (!isVisible(item, a.answers)) delete a.answers[item.id];
  }
}

/** Leave the section if its visible questions are answered well; else the issues. */
export function next(a, survey) {
  const section = survey.sections[a.sectionIndex];
  const [, issues] = validateAnswers(survey, a.answers, visible(a, survey, section));
  if (issues.length) return issues;
  if (a.returnToReview) {
    // Back to the review, or first to the next screen that still lacks an answer.
    const missing = new Set(finalIssues(a, survey).map((i) => i.item_id));
    const index = survey.sections.findIndex((s) => visible(a, survey, s).some((i) => missing.has(i.id)));
    if (index >= 0) {
      a.sectionIndex = index;
      return [];
    }
    a.returnToReview = false;
    a.step = Step.REVIEW;
    return [];
  }
  a.sectionIndex = nextSection(a, survey, a.sectionIndex);
  if (a.sectionIndex >= survey.sections.length) a.step = Step.REVIEW;
  return [];
}

export function back(a, survey) {
  a.returnToReview = false;
  const from = a.step === Step.REVIEW ? survey.sections.length : a.sectionIndex;
  const previous = previousSection(a, survey, from);
  if (previous === null) {
    a.step = Step.CODE;
  } else {
    a.sectionIndex = previous;
    a.step = Step.SECTION;
  }
}

/** From the review screen to the section holding ``itemId``; Next comes back to review. */
export function jumpTo(a, survey, itemId) {
  const index = survey.sections.findIndex((s) => s.items.some((i) => i.id === itemId));
  if (index < 0) return;
  a.sectionIndex = index;
  a.step = Step.SECTION;
  a.returnToReview = true;
}

/** [current screen, screens in all], counting only sections with visible questions. */
export function progress(a, survey) {
  const shown = survey.sections.map((s, i) => i).filter((i) => visible(a, survey, survey.sections[i]).length);
  const at = shown.indexOf(a.sectionIndex);
  return [at >= 0 ? at + 1 : 1, shown.length];
}

/** The whole questionnaire checked as the server will check it: [] when it can be sent. */
export function finalIssues(a, survey) {
  return validateAnswers(survey, a.answers)[1];
}

/** What the outbox keeps and the server receives (POST /api/v1/tablet/responses). */
export function payload(a, survey) {
  a.completedAt = a.completedAt || new Date().toISOString();
  return {
    client_uuid: a.clientUuid,
    join_code: a.joinCode,
    round_id: a.roundId,
    enterprise_id: a.enterpriseId,
    language: a.language || survey.languages[0],
    answers: { ...a.answers },
    code: a.codeSkipped ? null : { ...a.code },
    started_at: a.startedAt,
    completed_at: a.completedAt,
  };
}
