/** Loads the Firebase service account the push channel authenticates with (a Google Cloud JSON key file). */
import { readFileSync } from 'node:fs';
import { cert, type Credential } from 'firebase-admin/app';

/** A service account read from its key file: the project it belongs to and a credential for the SDK. */
export interface FirebaseServiceAccount {
  projectId: string;
  clientEmail: string;
  credential: Credential;
}

/**
 * Reads the key file at `path` (the value of `variable`, named in every error). Fails at start-up
 * rather than at the first push: a missing field would otherwise surface as `bad_credentials` on sends.
 */
export function serviceAccountFromFile(path: string, variable = 'FIREBASE_CREDENTIALS'): FirebaseServiceAccount {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${variable}: cannot read the Firebase service-account key file ${path}: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || json.type !== 'service_account') {
    throw new Error(`${variable}: ${path} is not a service-account key file (its "type" must be "service_account")`);
  }
  for (const field of ['project_id', 'client_email', 'private_key']) {
    if (typeof json[field] !== 'string' || json[field] === '') {
      throw new Error(`${variable}: the service-account key file ${path} has no "${field}"`);
    }
  }
  const projectId = json.project_id as string;
  const clientEmail = json.client_email as string;
  let credential: Credential;
  try {
    credential = cert({ projectId, clientEmail, privateKey: json.private_key as string });
  } catch (err) {
    throw new Error(`${variable}: the service-account key in ${path} is not usable: ${(err as Error).message}`);
  }
  return { projectId, clientEmail, credential };
}
