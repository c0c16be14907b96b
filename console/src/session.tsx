/** Who the API key is (GET /v1/auth/whoami), for every view: name, role and what the role may call. */
import { useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { may } from './api/access';
import { api, apiKey, ok } from './api/client';
import type { Whoami } from './api/types';

export const SessionContext = createContext<Whoami | undefined>(undefined);

/** The signed-in key (views are only rendered once it is known). */
export function useSession(): Whoami & { may: (operation: string) => boolean } {
  const who = useContext(SessionContext);
  if (!who) throw new Error('useSession outside a signed-in session');
  return { ...who, may: (operation) => may(who.role, operation) };
}

export function useWhoami(key: string | null) {
  return useQuery({
    queryKey: ['whoami', key],
    enabled: key !== null,
    queryFn: () => ok(api.GET('/v1/auth/whoami')),
    staleTime: Infinity,
  });
}

export { apiKey };
