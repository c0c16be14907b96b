/** The `push` channel: FCM when FIREBASE_CREDENTIALS is configured, the recording stand-in otherwise. */
import { BUILTIN_ACTIONS } from '../../../engine/actions.js';
import { defineChannel } from '../../../core/channels/descriptor.js';
import { createRecordingChannel } from '../recording/index.js';
import { serviceAccountFromFile } from './credentials.js';
import { createFcmPushChannel } from './index.js';

export const fcmPushDescriptor = defineChannel({
  action: 'push',
  spec: BUILTIN_ACTIONS.push,
  kind: 'touch',
  defaultCategory: 'marketing',
  variables: ['firebaseCredentials'],
  create({ db, settings }) {
    if (!settings.firebaseCredentials) return createRecordingChannel(db, 'push');
    const account = serviceAccountFromFile(settings.firebaseCredentials);
    return createFcmPushChannel({ db, projectId: account.projectId, credential: account.credential });
  },
});
