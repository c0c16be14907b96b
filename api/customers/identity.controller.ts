/** Identity stitching: links an anonymous id (a device id) to a customer (docs/identity.md). */
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Actor } from '../auth/actor.decorator.js';
import type { Principal } from '../../core/access/roles.js';
import { IdentityService, type IdentifyRequest } from '../../core/identity/identify.js';
import { checkCustomerId, MAX_ANONYMOUS_ID_LENGTH } from '../events/event-batch.validation.js';
import { Endpoint, answerWith } from '../http/endpoint.js';
import { Checker, isPlainObject } from '../http/validation.js';

@Controller('v1/identify')
export class IdentityController {
  constructor(private readonly identities: IdentityService) {}

  @Endpoint({
    summary: 'Link an anonymous id (device id) to a customer: its events count for the customer from now on',
    description:
      'The events stored under the unlinked anonymous id move to the customer (`eventsMoved`) and later events sent under it are stored as theirs: ' +
      'segments, conditions, waits for events, the event list and the history see them. Idempotent: the same link again answers `link: unchanged`. ' +
      'An anonymous id linked to another customer answers 409 `anonymous_id_linked` (error.linkedTo) unless `move: true`: then the link moves ' +
      '(audited as customer.identity_moved); events already stitched stay with the first customer.',
    access: ['engineer'],
    maxBodyBytes: 4 * 1024,
    body: {
      type: 'object',
      required: ['anonymousId', 'customerId'],
      properties: {
        anonymousId: { type: 'string', minLength: 1, maxLength: MAX_ANONYMOUS_ID_LENGTH },
        customerId: { type: 'string', minLength: 1, maxLength: 200, description: 'must not start with "anon:"' },
        move: { type: 'boolean', description: 'move the id from the customer it is linked to' },
      },
    },
    ok: {
      description: '{ anonymousId, customerId, link: linked | unchanged | moved, previousCustomerId, eventsMoved }',
      schema: answerWith(['anonymousId', 'customerId', 'link', 'previousCustomerId', 'eventsMoved'], {
        link: { type: 'string', enum: ['linked', 'unchanged', 'moved'] },
        previousCustomerId: { type: 'string', nullable: true },
        eventsMoved: { type: 'integer' },
      }),
    },
    errors: [{ status: 400, codes: ['invalid_body'] }, { status: 409, codes: ['anonymous_id_linked'] }],
  })
  @Post()
  @HttpCode(200)
  async identify(@Body() body: unknown, @Actor() actor: Principal) {
    return this.identities.identify(actor, parseIdentify(body));
  }
}

function parseIdentify(body: unknown): IdentifyRequest {
  const check = new Checker();
  const b = isPlainObject(body) ? body : {};
  check.string(b.anonymousId, '$.anonymousId', { max: MAX_ANONYMOUS_ID_LENGTH });
  checkCustomerId(check, b.customerId, '$.customerId');
  if (b.move !== undefined && typeof b.move !== 'boolean') check.fail('$.move', 'invalid_type', '$.move must be true or false');
  if (check.issues.length > 0) throw check.error('invalid_body');
  return { anonymousId: b.anonymousId as string, customerId: b.customerId as string, move: b.move === true };
}
