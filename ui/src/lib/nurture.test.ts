import { describe, expect, it } from 'vitest';
import { emptyDraft, moveStep, newAction, nextStepId } from './nurture';

describe('nurture helpers', () => {
  it('gives new steps unused ids', () => {
    const draft = emptyDraft();
    draft.steps.push({ id: 'email-1', action: newAction('send_email', []) });
    expect(nextStepId(draft.steps, 'send_email')).toBe('email-2');
    expect(nextStepId(draft.steps, 'wait')).toBe('wait-1');
    expect(nextStepId(draft.steps, 'create_task')).toBe('create-1');
  });

  it('moves steps within bounds', () => {
    const steps = ['a', 'b', 'c'].map((id) => ({ id, action: newAction('end', []) }));
    expect(moveStep(steps, 0, 1).map((s) => s.id)).toEqual(['b', 'a', 'c']);
    expect(moveStep(steps, 0, -1)).toBe(steps);
  });

  it('points a new condition at the last step', () => {
    const steps = [{ id: 'x', action: newAction('end', []) }];
    const action = newAction('condition', steps);
    expect(action.kind).toBe('condition');
    expect(action.kind === 'condition' ? action.goto_step : null).toBe('x');
  });
});
