/** docker-compose.yml as the static deployment tests read it (Docker cannot run on the dev machines or in CI). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: string[] | Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: unknown[];
  expose?: unknown[];
  deploy?: { replicas?: number };
  container_name?: string;
  hostname?: string;
  restart?: string;
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** The services that run the project's own code (the others are PostgreSQL and Temporal images). */
export const APP_SERVICES = ['migrate', 'api', 'worker'] as const;

/** Compose's `${NAME:-default}` / `${NAME-default}` / `${NAME}` interpolation, with the variables unset. */
function interpolate(text: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');
}

/** docker-compose.yml, parsed after interpolation with no variable set. */
export function readCompose(): ComposeFile {
  return parse(interpolate(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'))) as ComposeFile;
}

/** A service's environment as name -> value, from either of Compose's two forms. */
export function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}
