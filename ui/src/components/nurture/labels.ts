// Translated one-line descriptions of triggers, waits and steps.
import type { Stage } from '../../lib/bindings/Stage';
import type { StepAction } from '../../lib/bindings/StepAction';
import type { Trigger } from '../../lib/bindings/Trigger';
import type { Wait } from '../../lib/bindings/Wait';
import { t, type MessageKey } from '../../lib/i18n/index.svelte';

export const stageName = (stage: Stage): string => t(`stage.${stage}` as MessageKey);

export function triggerText(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'event':
      return t('nurture.triggerText.event', { event: trigger.event_type });
    case 'stage':
      return t('nurture.triggerText.stage', { stage: stageName(trigger.stage) });
    case 'score':
      return t('nurture.triggerText.score', { score: trigger.threshold });
    case 'manual':
      return t('nurture.triggerText.manual');
  }
}

export function waitText(wait: Wait): string {
  if (wait.kind === 'until') {
    return t('nurture.waitText.until', { day: t(`nurture.weekday.${wait.weekday}` as MessageKey), time: wait.at });
  }
  const unit = t(wait.unit === 'days' ? 'nurture.unit.days' : 'nurture.unit.hours');
  return wait.at
    ? t('nurture.waitText.forAt', { amount: wait.amount, unit, time: wait.at })
    : t('nurture.waitText.for', { amount: wait.amount, unit });
}

export function stepKindName(kind: StepAction['kind']): string {
  return t(`nurture.step.${kind}` as MessageKey);
}
