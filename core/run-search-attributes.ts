/**
 * The Temporal search attributes every journey run carries, so operators find a customer's runs with
 * Temporal's own tools (`temporal workflow list --query 'CustomerId="c-42"'`, the Web UI's filter)
 * without our API. A namespace must have them registered before a run can start with them: the dev
 * server `npm start` and the tests run registers them (`--search-attribute`), a real cluster needs
 * `temporal operator search-attribute create` once (docs/operations.md), and the API and the worker
 * check at start-up that they exist, naming the command to run when they do not.
 */
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';

/** Customer id of the run (Keyword: exact match). */
export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', 'KEYWORD');
/** Journey id of the run (Keyword). */
export const JOURNEY_ID = defineSearchAttributeKey('JourneyId', 'KEYWORD');
/** The published version number the run follows (Int: `JourneyVersion >= 3` works). */
export const JOURNEY_VERSION = defineSearchAttributeKey('JourneyVersion', 'INT');

/** One attribute as the CLI names it: `--search-attribute Name=Type`, `--type Type`. */
export interface RunSearchAttribute {
  name: string;
  /** The CLI's type name. */
  type: 'Keyword' | 'Int';
  /** The server's IndexedValueType number (temporal.api.enums.v1.IndexedValueType). */
  indexedValueType: number;
}

export const RUN_SEARCH_ATTRIBUTES: readonly RunSearchAttribute[] = [
  { name: CUSTOMER_ID.name, type: 'Keyword', indexedValueType: 2 },
  { name: JOURNEY_ID.name, type: 'Keyword', indexedValueType: 2 },
  { name: JOURNEY_VERSION.name, type: 'Int', indexedValueType: 3 },
];

/** The attributes of one run, as `typedSearchAttributes` of a workflow start. */
export function runSearchAttributes(run: { customerId: string; journeyId: string; version: number }): SearchAttributePair[] {
  return [
    { key: CUSTOMER_ID, value: run.customerId },
    { key: JOURNEY_ID, value: run.journeyId },
    { key: JOURNEY_VERSION, value: run.version },
  ];
}

/** The `temporal server start-dev` arguments that register the attributes on a dev server. */
export function devServerSearchAttributeArgs(): string[] {
  return RUN_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]);
}

/** The commands that register the attributes on a cluster's namespace. */
export function createSearchAttributeCommands(namespace: string): string[] {
  return RUN_SEARCH_ATTRIBUTES.map((a) => `temporal operator search-attribute create --namespace ${namespace} --name ${a.name} --type ${a.type}`);
}

/** What the check needs of a Temporal connection (the client's Connection and the worker's NativeConnection both have it). */
export interface SearchAttributeLister {
  operatorService: {
    listSearchAttributes(req: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null; systemAttributes?: Record<string, unknown> | null }>;
  };
}

/** Why runs cannot start in `namespace`: the attributes it lacks or has with another type, and what to run. */
export class MissingSearchAttributesError extends Error {
  constructor(
    readonly namespace: string,
    readonly problems: string[],
  ) {
    super(
      `Temporal namespace "${namespace}" cannot take journey runs: ${problems.join('; ')}. ` +
        `Every run is started with the search attributes ${RUN_SEARCH_ATTRIBUTES.map((a) => `${a.name} (${a.type})`).join(', ')}, ` +
        `and Temporal refuses a start whose attributes are not registered. Register them once (see "Search attributes" in docs/operations.md): ` +
        createSearchAttributeCommands(namespace).join(' && '),
    );
    this.name = 'MissingSearchAttributesError';
  }
}

/**
 * Checks that `namespace` has every run attribute with its type; throws MissingSearchAttributesError
 * (what to run) otherwise. An error of the call itself (no permission to list, on some hosted
 * services) is returned, not thrown: the caller logs it and goes on, and a missing attribute then
 * shows on the first start.
 */
export async function checkRunSearchAttributes(connection: SearchAttributeLister, namespace: string): Promise<{ unchecked?: string }> {
  let known: Record<string, unknown>;
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace });
    known = { ...(res.systemAttributes ?? {}), ...(res.customAttributes ?? {}) };
  } catch (err) {
    return { unchecked: err instanceof Error ? err.message : String(err) };
  }
  const problems: string[] = [];
  for (const attribute of RUN_SEARCH_ATTRIBUTES) {
    const type = known[attribute.name];
    if (type === undefined) problems.push(`search attribute ${attribute.name} is not registered`);
    else if (Number(type) !== attribute.indexedValueType) problems.push(`search attribute ${attribute.name} is registered with another type (not ${attribute.type})`);
  }
  if (problems.length > 0) throw new MissingSearchAttributesError(namespace, problems);
  return {};
}
