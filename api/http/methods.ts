/**
 * 405 for a method the document does not declare on a path it does (`TRACE /v1/events`), with the
 * `Allow` header listing the declared ones, instead of a 404 that says the path does not exist.
 */
import type { OpenAPIObject } from '@nestjs/swagger';

interface Req {
  method: string;
  path: string;
}
interface Res {
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Express middleware answering 405 for undeclared methods on declared paths. */
export function methodNotAllowed(document: OpenAPIObject) {
  const routes = Object.entries(document.paths).map(([template, item]) => {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/]+?\}/g, '[^/]+')}/?$`);
    const declared = METHODS.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map((m) => m.toUpperCase());
    // Express answers HEAD like GET.
    if (declared.includes('GET')) declared.push('HEAD');
    return { pattern, declared, params: (template.match(/\{/g) ?? []).length };
  });
  return (req: Req, res: Res, next: () => void): void => {
    // A path of fixed segments (/v1/segments/preview) is that route, not a match of a parameter (/v1/segments/{key}).
    const all = routes.filter((r) => r.pattern.test(req.path));
    const fewest = Math.min(...all.map((r) => r.params));
    const matching = all.filter((r) => r.params === fewest);
    if (matching.length === 0 || matching.some((r) => r.declared.includes(req.method))) return next();
    const allow = [...new Set(matching.flatMap((r) => r.declared))];
    res.setHeader('Allow', allow.join(', '));
    res.status(405).json({ error: { code: 'method_not_allowed', message: `${req.method} is not allowed on ${req.path}; allowed: ${allow.join(', ')}` } });
  };
}
