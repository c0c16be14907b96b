/** How an action's params are rendered before a send: the send ledger and the simulation share it, so a simulated message reads as the real one would. */
import { renderTemplate } from './template.js';

/** Who and what a message is rendered for (the template roots of engine/template.ts). */
export interface RenderSubject {
  customerId: string;
  traits: Record<string, unknown>;
  entry: Record<string, unknown>;
  journey: { id: string; name: string; versionId: string };
}

/**
 * `params` with each param named in `templateParams` rendered: a string, or each string value of an
 * object (a provider template's parameter values); other params unchanged.
 */
export function renderActionParams(params: Record<string, unknown>, templateParams: readonly string[], subject: RenderSubject): Record<string, unknown> {
  const context = { traits: subject.traits, entry: subject.entry, customer: { id: subject.customerId }, journey: subject.journey };
  const rendered = { ...params };
  for (const name of templateParams) {
    const value = rendered[name];
    if (typeof value === 'string') rendered[name] = renderTemplate(value, context);
    else if (isStringMap(value)) rendered[name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTemplate(v, context)]));
  }
  return rendered;
}

/** An object whose values are all strings (a template param holding several templates). */
export function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
