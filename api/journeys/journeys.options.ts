/**
 * Settings of the journeys context that the caller of `createApp` chooses, provided globally under
 * {@link JOURNEYS_OPTIONS} (absent means the defaults).
 */
import { Global, Module, type DynamicModule } from '@nestjs/common';

export const JOURNEYS_OPTIONS = Symbol('JOURNEYS_OPTIONS');

export interface JourneysOptions {
  /** Four-eyes publishing (JE_FOUR_EYES_PUBLISHING): a publish takes effect only once another key approves it. */
  fourEyesPublishing: boolean;
}

export const DEFAULT_JOURNEYS_OPTIONS: JourneysOptions = { fourEyesPublishing: false };

@Global()
@Module({})
export class JourneysOptionsModule {
  static forRoot(options: JourneysOptions): DynamicModule {
    const provider = { provide: JOURNEYS_OPTIONS, useValue: options };
    return { module: JourneysOptionsModule, providers: [provider], exports: [provider] };
  }
}
