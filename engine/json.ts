/** Plain JSON helpers with no engine dependencies (node kinds and the schema checker share them). */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Appends one property name or array index to a JSONPath. */
export function joinPath(path: string, seg: string | number): string {
  if (typeof seg === 'number') return `${path}[${seg}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg) ? `${path}.${seg}` : `${path}[${JSON.stringify(seg)}]`;
}
