/** Every channel the worker can run. Adding a channel: a folder under channels/ and one line here. */
import type { DataSource } from 'typeorm';
import type { ActionSpec } from '../../engine/actions.js';
import type { ActionChannel } from './channel.js';
import { createProfileChannel } from './profile/index.js';
import { createRecordingChannel } from './recording/index.js';

export interface ChannelDeps {
  db: DataSource;
}

/** The default channel set: recording stand-ins for touches, plus profile updates. */
export function defaultChannels({ db }: ChannelDeps): ActionChannel[] {
  return [
    createRecordingChannel(db, 'sms'),
    createRecordingChannel(db, 'push'),
    createRecordingChannel(db, 'crm_task'),
    createRecordingChannel(db, 'webhook'),
    createProfileChannel(db),
  ];
}

/** The action specs of a channel set, for the compiler (`compileCanvas(doc, { actions })`). */
export function actionSpecs(channels: ActionChannel[]): Record<string, ActionSpec> {
  return Object.fromEntries(channels.map((c) => [c.action, c.spec]));
}
