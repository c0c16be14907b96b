/** Nest's own log lines (bootstrap, exceptions it logs itself) as JSON through our logger. */
import type { LoggerService } from '@nestjs/common';
import type { LogFields, Logger } from './logger.js';

/** Splits Nest's `(message, ...optionalParams)` into a message and fields; the last string param is the context. */
function lineOf(message: unknown, params: unknown[], withStack: boolean): [string, LogFields] {
  const fields: LogFields = {};
  const rest = [...params];
  if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
  if (withStack && typeof rest[0] === 'string') fields.stack = rest.shift();
  if (rest.length > 0) fields.params = rest;
  if (message instanceof Error) return [message.message, { ...fields, stack: fields.stack ?? message.stack }];
  if (typeof message === 'string') return [message, fields];
  return ['nest', { ...fields, detail: message }];
}

/** A Nest LoggerService writing through `logger`: Nest's `log`/`verbose`/`debug` chatter goes out at debug. */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.logger.debug(...lineOf(message, params, false));
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.logger.debug(...lineOf(message, params, false));
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.logger.debug(...lineOf(message, params, false));
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn(...lineOf(message, params, false));
  }
  error(message: unknown, ...params: unknown[]): void {
    this.logger.error(...lineOf(message, params, true));
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.logger.error(...lineOf(message, params, true));
  }
}
