/** The service-account key file behind FIREBASE_CREDENTIALS: read once, refused early with the variable named. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceAccountFromFile } from './credentials.js';

let dir: string;
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keyFile = {
  type: 'service_account',
  project_id: 'broker-app-prod',
  client_email: 'journeys@broker-app-prod.iam.gserviceaccount.com',
  private_key: privateKey,
};

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'je-fcm-cred-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serviceAccountFromFile', () => {
  it('reads the project and a credential from a key file', () => {
    const account = serviceAccountFromFile(write('ok.json', JSON.stringify(keyFile)));
    expect(account.projectId).toBe('broker-app-prod');
    expect(account.clientEmail).toBe(keyFile.client_email);
    expect(typeof account.credential.getAccessToken).toBe('function');
  });

  it.each([
    ['a missing file', () => path.join(dir, 'absent.json'), /FIREBASE_CREDENTIALS: cannot read .*absent\.json/],
    ['a file that is not JSON', () => write('bad.json', 'not json'), /FIREBASE_CREDENTIALS: cannot read/],
    ['another kind of key file', () => write('user.json', JSON.stringify({ ...keyFile, type: 'authorized_user' })), /"service_account"/],
    ['a key file without private_key', () => write('nokey.json', JSON.stringify({ ...keyFile, private_key: '' })), /has no "private_key"/],
    ['an unusable private key', () => write('junk.json', JSON.stringify({ ...keyFile, private_key: 'junk' })), /FIREBASE_CREDENTIALS: .*not usable/],
  ])('refuses %s, naming the variable', (_, file, message) => {
    expect(() => serviceAccountFromFile(file())).toThrow(message);
  });
});
