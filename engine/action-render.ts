/** How an action's params are rendered before a send: the send ledger and the simulation share it, so a simulated message reads as the real one would. */
import { renderTemplate } from './template.js';

/** Who and what a message is rendered for (the template roots of engine/template.ts). */
export interface RenderSubject {
  customerId: string;
  traits: Record<string, unknown>;
  entry: Record<string, unknown>;
  journey: { id: string; name: string; versionId: string };
}

/** `params` with each string param named in `templateParams` rendered; other params unchanged. */
export function renderActionParams(params: Record<string, unknown>, templateParams: readonly string[], subject: RenderSubject): Record<string, unknown> {
  const context = { traits: subject.traits, entry: subject.entry, customer: { id: subject.customerId }, journey: subject.journey };
  const rendered = { ...params };
  for (const name of templateParams) {
    if (typeof rendered[name] === 'string') rendered[name] = renderTemplate(rendered[name] as string, context);
  }
  return rendered;
}
