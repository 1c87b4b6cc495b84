// Helpers of the Nurture screen: new steps and sequences, step ids and
// dates in the user's time zone. Validation lives in Rust.
import type { SequenceDraft } from './bindings/SequenceDraft';
import type { Step } from './bindings/Step';
import type { StepAction } from './bindings/StepAction';

export type StepKind = StepAction['kind'];

/** Step kinds in the order the "add step" menu offers them. */
export const stepKinds: StepKind[] = [
  'send_email',
  'wait',
  'condition',
  'create_task',
  'notify_sales',
  'move_to_stage',
  'end',
];

/** Merge fields a subject or body may use. */
export const mergeFields = ['first_name', 'last_name', 'full_name', 'email', 'company', 'job_title', 'owner'];

/** Returns an id not yet used by `steps`, such as `email-2`. */
export function nextStepId(steps: Step[], kind: StepKind): string {
  const stem = kind === 'send_email' ? 'email' : kind.replace(/_.*/, '');
  const used = new Set(steps.map((step) => step.id));
  for (let n = 1; ; n++) {
    const id = `${stem}-${n}`;
    if (!used.has(id)) return id;
  }
}

/** Translated starting texts of new steps. */
export interface StepTexts {
  body: string;
  task: string;
  notify: string;
}

const plainTexts: StepTexts = { body: '', task: '', notify: '' };

/** Returns the default action of a new step of `kind`. */
export function newAction(kind: StepKind, steps: Step[], texts: StepTexts = plainTexts): StepAction {
  switch (kind) {
    case 'wait':
      return { kind: 'wait', wait: { kind: 'for', amount: 2, unit: 'days', at: '09:00' } };
    case 'send_email':
      return { kind: 'send_email', subject: '', body: texts.body };
    case 'create_task':
      return { kind: 'create_task', title: texts.task };
    case 'notify_sales':
      return { kind: 'notify_sales', message: texts.notify };
    case 'move_to_stage':
      return { kind: 'move_to_stage', stage: 'sql' };
    case 'condition':
      return {
        kind: 'condition',
        test: { kind: 'did_event', event_type: 'email_click' },
        goto_step: steps.at(-1)?.id ?? '',
        timeout_days: 3,
      };
    case 'end':
      return { kind: 'end' };
  }
}

/** Returns an empty, paused sequence with a manual trigger. */
export function emptyDraft(): SequenceDraft {
  return {
    name: '',
    status: 'paused',
    trigger: { kind: 'manual' },
    audience: { stages: [], min_score: null, industries: [], countries: [] },
    steps: [],
    goal: { stage: null, event_type: null },
    re_entry: { kind: 'never' },
  };
}

/** Moves the step at `index` by `delta` places and returns the new list. */
export function moveStep(steps: Step[], index: number, delta: number): Step[] {
  const target = index + delta;
  if (target < 0 || target >= steps.length) return steps;
  const copy = [...steps];
  const [step] = copy.splice(index, 1);
  copy.splice(target, 0, step);
  return copy;
}

/** Formats Unix seconds as a local date and time in `timeZone`. */
export function formatSeconds(seconds: number, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(new Date(seconds * 1000));
}

/** Formats Unix seconds as a local time of day in `timeZone`. */
export function formatTime(seconds: number, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }).format(
    new Date(seconds * 1000),
  );
}
