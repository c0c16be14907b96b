/**
 * The API-key guard, applied to every route: reads the key (`Authorization: Bearer <key>` or
 * `X-API-Key: <key>`), resolves it to a principal, and admits the request if the route's access rule
 * admits the principal's role. A route without an access rule is refused: closed by default.
 */
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../http/api-error.js';
import { ACCESS_METADATA } from '../http/endpoint.js';
import { ApiKeysService } from '../../core/access/api-keys.js';
import { admits, type Access, type Principal } from '../../core/access/roles.js';

interface KeyedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

function presentedKey(req: KeyedRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const header = req.headers['x-api-key'];
  return typeof header === 'string' && header.trim() !== '' ? header.trim() : null;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (access === 'public') return true;
    if (access === undefined) {
      throw new ApiError(403, 'route_not_classified', 'This route declares no access rule, so it is closed');
    }
    const req = context.switchToHttp().getRequest<KeyedRequest>();
    const key = presentedKey(req);
    if (!key) {
      throw new ApiError(401, 'missing_api_key', 'Send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    }
    const principal = await this.keys.authenticate(key);
    if (!principal) throw new ApiError(401, 'invalid_api_key', 'The API key is unknown or has been revoked');
    if (!admits(access, principal.role)) {
      const allowed = ['admin', ...access].join(', ');
      throw new ApiError(403, 'forbidden_role', `A ${principal.role} key may not call this route (allowed: ${allowed})`);
    }
    req.principal = principal;
    return true;
  }
}
