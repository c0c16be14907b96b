/**
 * Aliyun SMS answers in the ledger's vocabulary. SendSms answers HTTP 200 with `Code` for business
 * refusals (`isv.*`) and an HTTP error for gateway refusals (throttling, signatures, 5xx); both end here.
 */
import { PermanentChannelError, TransientChannelError } from '../../../core/channels/channel.js';

/** Aliyun told us it sent nothing and a later try may pass: flow control and throttling, a busy service. */
const TRANSIENT: Record<string, string> = {
  'isv.BUSINESS_LIMIT_CONTROL': 'flow control: this number got too many messages in the last minute, hour or day; the ledger retries later',
  Throttling: 'Aliyun throttled the account; the ledger retries later',
  'Throttling.User': 'Aliyun throttled the account; the ledger retries later',
  'Throttling.Api': 'Aliyun throttled the SendSms API; the ledger retries later',
  'isp.SYSTEM_ERROR': 'Aliyun had a system error and sent nothing; the ledger retries later',
  ServiceUnavailable: 'Aliyun SMS is unavailable; the ledger retries later',
  InternalError: 'Aliyun had an internal error and sent nothing; the ledger retries later',
};

/** Refusals retrying cannot fix: our code, and what to do about it in plain words. */
const PERMANENT: Record<string, [code: string, explanation: string]> = {
  'isv.MOBILE_NUMBER_ILLEGAL': ['invalid_number', 'the phone number is not a valid mainland China mobile number'],
  'isv.SMS_TEMPLATE_ILLEGAL': ['template_refused', 'the template is not approved for this account (wrong TemplateCode, or not yet approved, or withdrawn); check it in the Aliyun SMS console'],
  'isv.SMS_SIGNATURE_ILLEGAL': ['signature_refused', 'the signature is not approved for this account (wrong name, not yet approved, or blacklisted); check it in the Aliyun SMS console'],
  'isv.SMS_SIGNATURE_SCENE_ILLEGAL': ['signature_refused', 'the signature is not approved for this kind of template (a verification-code signature used for marketing, say)'],
  'isv.BLACK_KEY_CONTROL_LIMIT': ['blacklisted', 'the text contains a blacklisted keyword; change the parameter values or the template'],
  'isv.MOBILE_IN_BLACK': ['blacklisted', 'the phone number is on the blacklist (the customer unsubscribed or complained)'],
  'isv.TEMPLATE_MISSING_PARAMETERS': ['template_params_refused', 'Aliyun says a template parameter is missing; re-register the template with the approved text and publish again'],
  'isv.TEMPLATE_PARAMS_ILLEGAL': ['template_params_refused', 'a parameter value breaks the template rules (too long, or a link or number where the template forbids one)'],
  'isv.PARAM_LENGTH_LIMIT': ['template_params_refused', 'a parameter value is too long for the template'],
  'isv.AMOUNT_NOT_ENOUGH': ['provider_account', 'the Aliyun account has no balance left; top it up'],
  'isv.OUT_OF_SERVICE': ['provider_account', 'the Aliyun account is suspended (overdue payment); settle it in the Aliyun console'],
  'isv.DAY_LIMIT_CONTROL': ['daily_limit', "the account's daily sending limit is reached; raise it in the Aliyun SMS console"],
  'InvalidAccessKeyId.NotFound': ['bad_credentials', 'Aliyun does not know the AccessKey ID; check ALIYUN_ACCESS_KEY_ID'],
  SignatureDoesNotMatch: ['bad_credentials', 'Aliyun refused the request signature; check ALIYUN_ACCESS_KEY_SECRET'],
  IncompleteSignature: ['bad_credentials', 'Aliyun refused the request signature; check ALIYUN_ACCESS_KEY_SECRET'],
  'Forbidden.RAM': ['bad_credentials', 'the AccessKey has no permission to send SMS (RAM policy AliyunDysmsFullAccess or dysms:SendSms)'],
};

/** The error for an Aliyun refusal `code` (HTTP status when it came as an HTTP error). */
export function aliyunRefusal(code: string, message: string, httpStatus?: number): PermanentChannelError | TransientChannelError {
  const said = `Aliyun answered ${code}${httpStatus ? ` (HTTP ${httpStatus})` : ''}: ${message}`;
  if (Object.hasOwn(TRANSIENT, code)) return new TransientChannelError(code.startsWith('Throttling') || code === 'isv.BUSINESS_LIMIT_CONTROL' ? 'rate_limited' : 'provider_unavailable', `${TRANSIENT[code]}. ${said}`);
  if (Object.hasOwn(PERMANENT, code)) {
    const [ours, explanation] = PERMANENT[code];
    return new PermanentChannelError(ours, `${explanation}. ${said}`);
  }
  if (httpStatus !== undefined && (httpStatus === 429 || httpStatus >= 500)) return new TransientChannelError('provider_unavailable', said);
  // Any other refusal is about this request: sending it again would be refused again.
  return new PermanentChannelError(`aliyun_${code}`, said);
}

/** An error answer the SDK threw (its ClientError / ThrottlingError / ServerError carry `statusCode` and `code`), else null (network, timeout). */
export function aliyunHttpError(err: unknown): { code: string; message: string; status: number } | null {
  const e = err as { code?: unknown; statusCode?: unknown; data?: { Message?: unknown } } | null;
  if (typeof e?.statusCode !== 'number' || typeof e.code !== 'string') return null;
  return { code: e.code, message: typeof e.data?.Message === 'string' ? e.data.Message : String((err as Error).message), status: e.statusCode };
}

/** Delivery-report error codes (`err_code` of a failed report), in plain words. */
const REPORT_ERRORS: Record<string, string> = {
  'MK:0001': 'the number is out of service or does not exist',
  'MK:0004': 'the phone was switched off or out of coverage for the whole retry period',
  'MK:0005': 'the carrier refused the message (content or frequency)',
  'MK:0010': 'the number is on the carrier blacklist',
  'IC:0001': 'the number is out of service',
  'SP:0001': 'the phone was switched off',
  'DB:0141': 'the number is on the blacklist',
  'MN:0001': 'the number is not a mobile number',
};

const REPORT_STATUSES: Record<string, string> = {
  delivered: "the carrier confirmed delivery to the customer's phone",
  undelivered: 'the carrier could not deliver the message',
};

/** A delivery report in plain words. */
export function explainAliyunReport(status: string, errorCode: string | null): string {
  const meaning = REPORT_STATUSES[status] ?? `Aliyun reported "${status}"`;
  if (!errorCode || errorCode === 'DELIVERED') return meaning;
  return `${meaning}: Aliyun error ${errorCode}, ${REPORT_ERRORS[errorCode] ?? "see Aliyun's SMS error codes"}`;
}
