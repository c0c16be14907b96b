/**
 * The web console end to end: Debian's Chromium (driven by @playwright/test's browser API) against a
 * system started as `npm start` starts it (build, embedded PostgreSQL, Temporal dev server, worker and
 * API serving /console). A marketer signs in, creates the onboarding journey from its example and
 * publishes it; customers register through the events API and the canvas counts move; a node shows
 * who waits there; a customer's timeline shows the suppressed SMS with its reason; a broken draft
 * shows its errors on the right nodes; the fixed draft is published as v2 and diffed against v1.
 * Every view is screenshotted into docs/images/ (docs/console.md shows them), and the browser console
 * must stay free of errors throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKey } from '../../core/access/api-keys.js';
import { PROJECT_ROOT } from '../../scripts/lib/temporal-binaries.mjs';
import { launchStart, until } from '../support/start-process.js';

const CHROMIUM = '/usr/bin/chromium';
const IMAGES = path.join(PROJECT_ROOT, 'docs', 'images');
const onboarding = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'onboarding.json'), 'utf8')) as Record<string, unknown>;
const quickstart = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'quickstart.json'), 'utf8')) as Record<string, unknown>;

const adminKey = generateKey();
let system: ReturnType<typeof launchStart> | undefined;
let origin = '';
let browser: Browser | undefined;
let page: Page;
const browserErrors: string[] = [];
const requested: string[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-console-e2e-'));
fs.chmodSync(dataDir, 0o755);

async function call(method: string, route: string, body?: unknown, key = adminKey): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${origin}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function registered(customerId: string, traits: Record<string, unknown>): Promise<void> {
  expect((await call('PUT', `/v1/customers/${customerId}`, { traits })).status).toBeLessThan(300);
  const sent = await call('POST', '/v1/events', { events: [{ eventId: `reg-${customerId}`, customerId, name: 'registered', eventTime: new Date().toISOString() }] });
  expect(sent.status).toBeLessThan(300);
}

const shot = (name: string) => page.screenshot({ path: path.join(IMAGES, `${name}.png`) });

/** Signs in on the sign-in page with `key`. */
async function signIn(key: string): Promise<void> {
  await page.goto(`${origin}/console/`);
  await page.evaluate('sessionStorage.clear()');
  await page.reload();
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

const node = (id: string) => page.locator(`.je-node[data-node-id="${id}"]`);

/** The saved onboarding draft with the given wait durations. */
async function savedDraftWith(durations: Record<string, string>): Promise<{ nodes: Record<string, unknown>[]; edges: unknown[] }> {
  const journey = await call('GET', '/v1/journeys/onboarding');
  const canvas = (journey.json.draft as { canvas: { nodes: Record<string, unknown>[]; edges: unknown[] } }).canvas;
  for (const n of canvas.nodes) if (typeof n.id === 'string' && durations[n.id]) n.duration = durations[n.id];
  // The nodes first (the stored draft lists its keys in another order): the wait node's lines are then in view in the editor.
  const { nodes, ...rest } = canvas;
  return { nodes, ...rest };
}

describe('web console (Chromium against npm start)', () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup.mjs installs it (apt-get install -y chromium)`);
    system = launchStart({
      ...process.env,
      JE_DATA_DIR: dataDir,
      JE_ADMIN_API_KEY: adminKey,
      PORT: '0',
      JE_TEMPORAL_PORT: '0',
      JE_TEMPORAL_UI_PORT: '0',
      JE_EMBEDDED_PG_PORT: '0',
      JE_START_READY_TIMEOUT_S: '180',
    });
    const output = await system.ready;
    const consoleLine = /Console:\s+(http:\/\/127\.0\.0\.1:\d+)\/console\//.exec(output);
    if (!consoleLine) throw new Error(`the ready block names no console URL:\n${output}`);
    origin = consoleLine[1];
    fs.mkdirSync(IMAGES, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('console', (m) => m.type() === 'error' && browserErrors.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => browserErrors.push(`page: ${e.message}`));
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    page.on('dialog', (d) => void d.accept(d.defaultValue() || 'support_request'));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('serves the console at /console on the API origin and signs in with a key, showing its name and role', async () => {
    // A refused key, in a page of its own: its 401 in that page's console is the point of this step.
    const other = await browser!.newPage({ viewport: { width: 1920, height: 1080 } });
    await other.goto(`${origin}/console/`);
    await other.getByLabel('API key').fill('je_not_a_key');
    await other.getByRole('button', { name: 'Sign in' }).click();
    expect(await other.getByRole('alert').textContent()).toMatch(/refused/i);
    await other.close();
    await page.goto(`${origin}/console/`);
    await page.getByLabel('API key').waitFor();
    await shot('console-sign-in');
    await signIn(adminKey);
    expect(await page.getByTestId('who').textContent()).toMatch(/admin/);
  });

  it('offers only what the role may do: a viewer key sees no way to create a journey', async () => {
    const viewer = await call('POST', '/v1/api-keys', { name: 'Vera (viewer)', role: 'viewer' });
    expect(viewer.status).toBe(201);
    await signIn(String(viewer.json.key));
    expect(await page.getByTestId('who').textContent()).toBe('Vera (viewer) · viewer');
    await page.getByRole('heading', { name: 'Journeys' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create draft from example' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(adminKey);
    expect(await page.getByRole('button', { name: 'Create draft from example' }).count()).toBe(1);
  });

  it('creates the onboarding journey from its example and publishes it from the editor', async () => {
    // The journeys list has not loaded the graph layout: it comes with the canvas.
    expect(requested.some((p) => /elk/.test(p))).toBe(false);
    await page.getByLabel('Example').selectOption('onboarding');
    await page.getByRole('button', { name: 'Create draft from example' }).click();
    await page.getByTestId('validity').filter({ hasText: /^valid$/ }).waitFor();
    expect(await page.getByTestId('validity').textContent()).toBe('valid');
    await node('day3_split').waitFor();
    expect(requested.some((p) => /elk/.test(p))).toBe(true);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByTestId('totals').waitFor();
    expect(page.url()).toContain('version=1');
    expect((await call('GET', '/v1/journeys/onboarding')).json.activeVersion).toBe(1);
  });

  it('shows the counts on the canvas move as customers register through the events API', async () => {
    expect(await page.getByTestId('total-entered').textContent()).toBe('0');
    expect((await call('PUT', '/v1/journeys/quickstart/publish', quickstart)).status).toBe(201);
    for (const id of ['c-1', 'c-2', 'c-3']) await registered(id, { first_name: id, phone: '+8613800000001' });
    await until('3 entered on the canvas', async () => (await page.getByTestId('total-entered').textContent()) === '3', 60_000);
    await until('3 waiting at wait_opening_page', async () => /waiting 3/.test((await node('wait_opening_page').textContent()) ?? ''), 60_000);
    expect(await node('registered').textContent()).toMatch(/passed 3/);
    expect(await page.getByTestId('total-waiting').textContent()).toBe('3');
    await shot('console-canvas-live');
    // Back on the list, the journey shows what happened today.
    await page.getByRole('link', { name: 'Journeys', exact: true }).first().click();
    const row = page.locator('tr[data-journey="onboarding"]');
    await until('the list shows 3 waiting', async () => /active.*v1.*3.*3.*3/s.test((await row.textContent()) ?? ''), 30_000);
    await shot('console-journeys');
  });

  it('opens a node and lists who is waiting there, each linking to their timeline', async () => {
    await page.goto(`${origin}/console/#/journeys`);
    await page.getByRole('link', { name: String(onboarding.name) }).click();
    // The chart library comes with the first chart, not before.
    expect(requested.some((p) => /DailyChart/.test(p))).toBe(false);
    await node('wait_opening_page').click();
    const list = page.getByTestId('waiting-list');
    await list.waitFor();
    await page.getByTestId('daily-chart').locator('svg').waitFor();
    expect(requested.some((p) => /DailyChart/.test(p))).toBe(true);
    expect(await page.getByTestId('daily-chart').getByRole('img', { name: /^reached per day/ }).getAttribute('aria-label')).toMatch(/reached per day: .*\d{4}-\d{2}-\d{2} 3/);
    await until('3 customers in the list', async () => (await list.locator('li').count()) === 3, 30_000);
    expect((await list.textContent())!).toMatch(/c-1.*|c-2|c-3/);
    await shot('console-node-panel');
    await list.getByRole('link', { name: 'c-2' }).click();
    await page.getByRole('heading', { name: 'c-2' }).waitFor();
    expect(await page.locator('.je-enrollment').count()).toBeGreaterThanOrEqual(1);
  });

  it("finds a customer and shows the SMS that was not sent, with its reason", async () => {
    await registered('q-1', { first_name: 'Mei', phone: '+8613800000009', consent: { sms: false } });
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Customer id').fill('q-1');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: 'q-1' }).waitFor();
    const sms = page.getByTestId('message').filter({ hasText: 'sms_welcome' });
    await until('the suppressed welcome SMS', async () => (await sms.count()) === 1, 60_000);
    expect(await sms.textContent()).toMatch(/suppressed/);
    expect(await sms.getByTestId('reason').textContent()).toMatch(/opted out of this channel \(consent\)/);
    expect(await page.locator('.je-profile').textContent()).toMatch(/smsopted out/);
    await shot('console-customer');
  });

  it('simulates one made-up customer on v1: the path lit on the graph, the timeline with the SMS held back and why', async () => {
    await page.goto(`${origin}/console/#/journeys/onboarding?version=1`);
    await page.getByRole('button', { name: 'Test before launch' }).click();
    await page.getByLabel('Traits').fill(JSON.stringify({ first_name: 'Lin', phone: '+8613800000007', consent: { sms: false } }));
    await page.getByLabel('Events').fill(JSON.stringify([{ name: 'opening_started', at: 'PT3H' }]));
    await page.getByRole('button', { name: 'Run the simulation' }).click();
    await page.getByTestId('simulation').waitFor();
    // No opening page within 2 hours: the nudge; opening started but no account by day 3: the CRM call.
    const held = page.getByTestId('sim-message').filter({ hasText: 'sms suppressed' }).first();
    expect(await held.getByTestId('reason').textContent()).toMatch(/consent/);
    for (const id of ['registered', 'wait_opening_page', 'sms_open_nudge', 'day3_split', 'crm_call_dropout']) expect(await node(id).getAttribute('class')).toMatch(/on-trail/);
    for (const id of ['sms_open_again', 'push_reward', 'push_wealth_offer']) expect(await node(id).getAttribute('class')).not.toMatch(/on-trail/);
    expect(await page.locator('.react-flow__edge.on-trail').count()).toBeGreaterThanOrEqual(5);
    await shot('console-simulate');
  });

  it('backtests v1 over the last week: progress, then per-node figures beside the live ones', async () => {
    await page.getByRole('tab', { name: 'Backtest' }).click();
    await page.getByRole('button', { name: 'Start the backtest' }).click();
    await page.getByTestId('backtest').waitFor();
    await until('the backtest ends', async () => (await page.getByTestId('backtest-status').textContent()) === 'completed', 120_000);
    const entered = Number(await page.getByTestId('backtest-entered').textContent());
    // c-1..c-3 and q-1 registered today through the events API.
    expect(entered).toBe(4);
    expect(await node('registered').locator('.je-node-test').textContent()).toBe(`backtest ${entered}live ${entered}`);
    expect(await node('wait_opening_page').locator('.je-node-test').textContent()).toBe(`backtest ${entered}live ${entered}`);
    expect(await node('sms_day7_deposit').locator('.je-node-test').textContent()).toBe('backtest 0live 0');
    expect(await page.getByTestId('backtest-figures').textContent()).toMatch(/entered44/);
    await shot('console-backtest');
    await page.getByRole('button', { name: 'Close the test panel' }).click();
    expect(await page.locator('.je-node-test').count()).toBe(0);
  });

  it("shows a segment's live count and why a customer is not in it", async () => {
    const rule = { trait: 'phone', op: 'eq', value: '+8613800000001' };
    expect((await call('POST', '/v1/segments', { key: 'first_phone', name: 'Phone +86 138 0000 0001', rule })).status).toBe(201);
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('link', { name: 'Phone +86 138 0000 0001' }).click();
    await page.getByTestId('segment-count').waitFor();
    expect(await page.getByTestId('segment-count').textContent()).toBe('3 customers');
    await page.getByLabel('Customer id to explain').fill('q-1');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByTestId('membership').waitFor();
    expect(await page.getByTestId('membership').textContent()).toMatch(/q-1 is not in the segment\..*\$/);
    // In words: what the customer holds against what the rule needs (issue 19's howClose).
    expect(await page.getByTestId('why-not').textContent()).toMatch(/^trait phone is "\+8613800000009"; needs trait phone = "\+8613800000001"/);
    // An unsaved rule is counted as it is typed.
    await page.getByLabel('segment rule').fill(JSON.stringify({ trait: 'first_name', op: 'eq', value: 'Mei' }));
    await until('the count of the typed rule', async () => (await page.getByTestId('segment-count').textContent()) === '1 customers (with your unsaved rule)', 30_000);
    // The why-not answer is the saved rule's, and says so while the rule on screen is not saved.
    expect(await page.getByTestId('membership').textContent()).toContain('By the saved rule');
    await shot('console-segments');
  });

  it('pins the errors of a broken draft on the right nodes (bad duration, dangling edge)', async () => {
    await page.goto(`${origin}/console/#/journeys/onboarding/edit`);
    await node('wait_day3').click();
    await page.getByLabel('duration').fill('three days');
    await page.getByRole('tab', { name: 'JSON' }).click();
    // The JSON tab is a CodeMirror editor: the test types the whole canvas, the saved draft with both breaks.
    const json = page.getByLabel('canvas JSON');
    const draft = await savedDraftWith({ wait_day3: 'three days' });
    draft.edges.push({ from: 'push_reward', port: 'next', to: 'nowhere' });
    await json.fill(JSON.stringify(draft, null, 2));
    await until('errors on both nodes', async () => (await page.locator('.je-node.has-issues').count()) === 2, 30_000);
    // ...and underlined in the editor at its JSON path (CodeMirror draws only the lines in view: back to the top, where the duration is).
    await json.press('Control+Home');
    await until('the bad duration underlined in the JSON', async () => (await page.locator('.cm-lintRange-error').filter({ hasText: 'three days' }).count()) >= 1, 30_000);
    await shot('console-editor-json');
    expect(await node('wait_day3').locator('.je-node-issues').textContent()).toMatch(/duration/);
    expect(await node('push_reward').locator('.je-node-issues').textContent()).toMatch(/nowhere/);
    expect(await node('day3_split').locator('.je-node-issues').count()).toBe(0);
    expect(await page.getByTestId('validity').textContent()).toMatch(/error/);
    expect(await page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
    await page.getByRole('tab', { name: 'Node settings' }).click();
    await node('wait_day3').click();
    await shot('console-editor-errors');
    // An action's template, rendered for a real customer's traits.
    await node('sms_open_nudge').click();
    await page.getByLabel('Preview customer id').fill('c-1');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByTestId('template-preview').waitFor();
    expect(await page.getByTestId('template-preview').textContent()).toBe('bodyc-1, opening your account takes 5 minutes: https://app.example/open');
    await shot('console-template-preview');
    await node('wait_day3').click();
  });

  it('fixes the draft, saves it, publishes v2 and shows the diff against v1 on the graph', async () => {
    await page.getByLabel('duration').fill('P2D');
    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = page.getByLabel('canvas JSON');
    await json.fill(JSON.stringify(await savedDraftWith({ wait_day3: 'P2D' }), null, 2));
    await until('a valid draft', async () => (await page.getByTestId('validity').textContent()) === 'valid', 30_000);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved as revision/).waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByTestId('totals').waitFor();
    expect(page.url()).toContain('version=2');
    await page.getByLabel('Compare with').selectOption('1');
    await page.getByTestId('diff-summary').waitFor();
    expect(await page.getByTestId('diff-summary').textContent()).toBe('0 added, 1 changed, 0 removed');
    expect(await node('wait_day3').getAttribute('class')).toMatch(/diff-changed/);
    expect(await node('wait_day7').getAttribute('class')).not.toMatch(/diff-/);
    await shot('console-diff');
  });

  it('lists CRM tasks for account managers: claim one, complete it with an outcome', async () => {
    const callBack = {
      schemaVersion: 2,
      name: 'Call back on request',
      nodes: [
        { id: 'asked', type: 'trigger', trigger: { kind: 'event', event: 'callback_requested' } },
        { id: 'crm_call', type: 'action', action: 'crm_task', params: { title: 'Call {{ customer.id }} back', queue: 'advisors', due: 'P1D' } },
        { id: 'done', type: 'exit' },
      ],
      edges: [
        { from: 'asked', to: 'crm_call' },
        { from: 'crm_call', to: 'done' },
      ],
    };
    expect((await call('PUT', '/v1/journeys/call_back/publish', callBack)).status).toBe(201);
    const sent = await call('POST', '/v1/events', { events: [{ eventId: 'cb-c-1', customerId: 'c-1', name: 'callback_requested', eventTime: new Date().toISOString() }] });
    expect(sent.status).toBeLessThan(300);
    await page.getByRole('link', { name: 'CRM tasks' }).click();
    const row = page.locator('tr[data-task]').filter({ hasText: 'Call c-1 back' });
    await until('the task on the open list', async () => {
      if ((await row.count()) === 1) return true;
      await page.getByLabel('Task status').selectOption('claimed');
      await page.getByLabel('Task status').selectOption('open');
      return false;
    }, 60_000);
    await row.getByRole('button', { name: 'Claim' }).click();
    await until('claimed', async () => (await row.count()) === 0, 30_000);
    await page.getByLabel('Task status').selectOption('claimed');
    expect(await row.textContent()).toMatch(/advisors|bootstrap admin/);
    await row.getByLabel('Outcome').fill('reached, calls back Monday');
    await row.getByRole('button', { name: 'Complete' }).click();
    await until('completed', async () => (await row.count()) === 0, 30_000);
    await page.getByLabel('Task status').selectOption('completed');
    expect(await row.textContent()).toMatch(/completed.*reached, calls back Monday/);
    await shot('console-crm');
  });

  it('shows operations: health of PostgreSQL and Temporal, and the stuck runs (none here)', async () => {
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByTestId('health').waitFor();
    expect(await page.getByTestId('health').textContent()).toBe('overallokPostgreSQLupTemporalup');
    await page.getByText(/No stuck run/).waitFor();
    await shot('console-operations');
    // The keys: ? lists them, Escape closes the list, g j goes to the journeys.
    await page.locator('body').press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    expect(await page.getByTestId('shortcuts').textContent()).toMatch(/gjgo to Journeys/);
    await shot('console-shortcuts');
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.keyboard.press('g');
    await page.keyboard.press('j');
    await page.getByRole('heading', { name: 'Journeys' }).waitFor();
  });

  it('archives a stopped journey from its page', async () => {
    expect((await call('POST', '/v1/journeys/call_back/stop', { mode: 'finish', reason: 'e2e' })).status).toBeLessThan(300);
    await page.goto(`${origin}/console/#/journeys/call_back`);
    await page.getByRole('button', { name: 'archive' }).click();
    await until('archived', async () => (await page.locator('.je-state').first().textContent()) === 'archived', 30_000);
    expect((await call('GET', '/v1/journeys/call_back')).json.status).toBe('archived');
  });

  it('logged no error in the browser console', () => {
    expect(browserErrors).toEqual([]);
  });
});
