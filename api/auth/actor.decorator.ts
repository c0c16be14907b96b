/** `@Actor()`: the principal the API-key guard admitted, for handlers that record who did something. */
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../../core/access/roles.js';

export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (!principal) throw new Error('@Actor() used on a route the API-key guard did not authenticate');
  return principal;
});
