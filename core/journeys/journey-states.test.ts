import { describe, expect, it } from '@jest/globals';
import { UseCaseError } from '../errors.js';
import { allowedActions, transition, type JourneyAction, type JourneyStatus } from './journey-states.js';

describe('journey lifecycle', () => {
  it.each<[JourneyStatus, JourneyAction, JourneyStatus]>([
    ['draft', 'publish', 'active'],
    ['active', 'edit_draft', 'active'],
    ['active', 'pause', 'paused'],
    ['paused', 'resume', 'active'],
    ['paused', 'stop', 'stopped'],
    ['stopped', 'archive', 'archived'],
  ])('%s --%s--> %s', (from, action, to) => {
    expect(transition('j1', from, action)).toBe(to);
  });

  it('refuses an action the status does not admit as a conflict naming what is allowed', () => {
    let refused: unknown;
    try {
      transition('j1', 'stopped', 'resume');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(UseCaseError);
    expect(refused).toMatchObject({
      kind: 'conflict',
      code: 'invalid_transition',
      message: 'Journey "j1" is stopped: "resume" is allowed only when it is paused',
      details: { status: 'stopped', action: 'resume', allowedFrom: ['paused'], allowedActions: ['archive'] },
    });
  });

  it('lists the actions of each status', () => {
    expect(allowedActions('draft')).toEqual(['edit_draft', 'publish', 'archive']);
    expect(allowedActions('archived')).toEqual([]);
  });
});
