/**
 * The kinds of value a configuration variable can hold. A kind is the variable's validation and the
 * type the docs table shows, in one place, so the table cannot promise what the parse does not check.
 * A parse gets the variable's non-empty text and throws an Error whose message follows "NAME: ".
 */
import fs from 'node:fs';
import { parseDuration } from '../engine/duration.js';
import { isValidTimeZone } from '../engine/time.js';

/** How a variable's text becomes its value. */
export interface Kind<T> {
  /** The type column of the docs table, e.g. "integer 0 to 65535". */
  readonly type: string;
  readonly parse: (text: string) => T;
}

/** Any text. */
export function text(type = 'string'): Kind<string> {
  return { type, parse: (value) => value };
}

/** Text that passes `accepts`; otherwise `message` (which must not echo a secret). */
export function checked(type: string, accepts: (value: string) => boolean, message: (value: string) => string): Kind<string> {
  return {
    type,
    parse(value) {
      if (!accepts(value)) throw new Error(message(value));
      return value;
    },
  };
}

/** Text an engine parser turns into a value (its error message is kept). */
export function parsedBy<T>(type: string, parse: (text: string) => T): Kind<T> {
  return { type, parse };
}

export function integer(min: number, max: number): Kind<number> {
  return {
    type: `integer ${min} to ${max}`,
    parse(raw) {
      const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        throw new Error(`must be an integer from ${min} to ${max}, got "${raw}"`);
      }
      return value;
    },
  };
}

/** An ISO 8601 duration, in milliseconds. */
export const duration: Kind<number> = parsedBy('ISO 8601 duration', parseDuration);

/** On or off: `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`. */
export const flag: Kind<boolean> = {
  type: '`1` (on) or `0` (off)',
  parse(raw) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new Error(`must be 1 (on) or 0 (off), got "${raw}"`);
  },
};

/** One of a few words, in any case. */
export function oneOf<const V extends string>(values: readonly V[]): Kind<V> {
  const list = `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  return {
    type: values.map((v) => `\`${v}\``).join(', '),
    parse(raw) {
      const value = raw.toLowerCase();
      if ((values as readonly string[]).includes(value)) return value as V;
      throw new Error(`must be ${list}, got "${raw}"`);
    },
  };
}

/** An http:// or https:// URL, without its trailing slashes. */
export const httpUrl: Kind<string> = {
  type: 'http(s) URL',
  parse(raw) {
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    throw new Error(`must be an http:// or https:// URL, got "${raw}"`);
  },
};

/** A PostgreSQL connection URL (never echoed: it may hold a password). */
export const postgresUrl: Kind<string> = {
  type: 'postgres:// URL',
  parse(raw) {
    if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error('must be a postgres:// or postgresql:// URL');
    try {
      new URL(raw);
    } catch {
      throw new Error('is not a valid URL (percent-encode special characters in the user name and password)');
    }
    return raw;
  },
};

export const timeZone: Kind<string> = checked('IANA time zone', isValidTimeZone, (zone) => `"${zone}" is not an IANA time zone such as Asia/Shanghai`);

/**
 * A PEM file that exists and is readable now (start-up), so that a wrong path fails here with the
 * variable's name rather than later inside the Temporal connection.
 */
export function pemFile(kind: 'certificate' | 'private key'): Kind<string> {
  const label = kind === 'certificate' ? 'CERTIFICATE' : 'PRIVATE KEY';
  const marker = new RegExp(`-----BEGIN [A-Z0-9 ]*${label}-----`);
  return {
    type: `path of a PEM ${kind}`,
    parse(file) {
      let content: string;
      try {
        if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
        content = fs.readFileSync(file, 'utf8');
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new Error(`cannot read the ${kind} file "${file}" (${reason})`);
      }
      if (!marker.test(content)) throw new Error(`"${file}" is not a PEM ${kind} (no "-----BEGIN ...${label}-----" line)`);
      return file;
    },
  };
}

/** A file the process can read now. */
export function readableFile(what: string): Kind<string> {
  return checked(
    `path of the ${what}`,
    (file) => {
      try {
        fs.accessSync(file, fs.constants.R_OK);
        return true;
      } catch {
        return false;
      }
    },
    (file) => `cannot read the ${what} ${file}`,
  );
}
