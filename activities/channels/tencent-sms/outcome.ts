/**
 * Tencent Cloud SMS answers in the ledger's vocabulary. A request-level refusal comes as an error
 * response (the SDK throws with its `code`); a per-number refusal comes in SendStatusSet with a `Code`
 * other than `Ok`. Both end here.
 */
import { PermanentChannelError, TransientChannelError } from '../../../core/channels/channel.js';

/** Tencent Cloud told us it sent nothing and a later try may pass: frequency limits, throttling, internal errors. */
const TRANSIENT: Record<string, [code: string, explanation: string]> = {
  'LimitExceeded.PhoneNumberThirtySecondLimit': ['rate_limited', 'flow control: this number got a message in the last 30 seconds; the ledger retries later'],
  'LimitExceeded.PhoneNumberOneHourLimit': ['rate_limited', 'flow control: this number reached its hourly limit; the ledger retries later'],
  'LimitExceeded.PhoneNumberDailyLimit': ['rate_limited', 'flow control: this number reached its daily limit; the ledger retries later'],
  'LimitExceeded.PhoneNumberSameContentDailyLimit': ['rate_limited', 'flow control: this number got the same text too often today; the ledger retries later'],
  RequestLimitExceeded: ['rate_limited', 'Tencent Cloud throttled the API; the ledger retries later'],
  InternalError: ['provider_unavailable', 'Tencent Cloud had an internal error and sent nothing; the ledger retries later'],
  'InternalError.Timeout': ['provider_unavailable', 'Tencent Cloud timed out internally and sent nothing; the ledger retries later'],
  'InternalError.RequestTimeException': ['provider_unavailable', 'Tencent Cloud refused the request time; the ledger retries later'],
};

const PERMANENT: Record<string, [code: string, explanation: string]> = {
  'InvalidParameterValue.IncorrectPhoneNumber': ['invalid_number', 'the phone number is not a valid mobile number'],
  'FailedOperation.PhoneNumberParseFail': ['invalid_number', 'the phone number could not be parsed'],
  'FailedOperation.TemplateIncorrectOrUnapproved': ['template_refused', 'the template is not approved for this SMS application (wrong TemplateId, not yet approved, or withdrawn); check it in the Tencent Cloud SMS console'],
  'FailedOperation.SignatureIncorrectOrUnapproved': ['signature_refused', 'the signature is not approved for this SMS application (wrong name, or not yet approved); check it in the Tencent Cloud SMS console'],
  'FailedOperation.PhoneNumberInBlacklist': ['blacklisted', 'the phone number is on the blacklist (the customer unsubscribed or complained)'],
  'FailedOperation.ContainSensitiveWord': ['blacklisted', 'the text contains a forbidden word; change the parameter values or the template'],
  'InvalidParameterValue.TemplateParameterFormatError': ['template_params_refused', 'a parameter value breaks the template rules (a verification-code template takes digits only, say)'],
  'InvalidParameterValue.TemplateParameterLengthLimit': ['template_params_refused', 'a parameter value is too long for the template'],
  'FailedOperation.InsufficientBalanceInSmsPackage': ['provider_account', 'the SMS package has no messages left; buy one in the Tencent Cloud console'],
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail': ['bad_credentials', 'the SMS application does not belong to this account; check TENCENT_SMS_SDK_APP_ID'],
  'AuthFailure.SecretIdNotFound': ['bad_credentials', 'Tencent Cloud does not know the SecretId; check TENCENTCLOUD_SECRET_ID'],
  'AuthFailure.SignatureFailure': ['bad_credentials', 'Tencent Cloud refused the request signature; check TENCENTCLOUD_SECRET_KEY'],
  'AuthFailure.UnauthorizedOperation': ['bad_credentials', 'the key has no permission to send SMS (CAM policy QcloudSMSFullAccess or sms:SendSms)'],
};

/** The error for a Tencent Cloud refusal `code`. */
export function tencentRefusal(code: string, message: string, httpStatus?: number): PermanentChannelError | TransientChannelError {
  const said = `Tencent Cloud answered ${code}${httpStatus ? ` (HTTP ${httpStatus})` : ''}: ${message}`;
  if (Object.hasOwn(TRANSIENT, code)) return new TransientChannelError(TRANSIENT[code][0], `${TRANSIENT[code][1]}. ${said}`);
  if (Object.hasOwn(PERMANENT, code)) return new PermanentChannelError(PERMANENT[code][0], `${PERMANENT[code][1]}. ${said}`);
  if (code.startsWith('InternalError') || (httpStatus !== undefined && httpStatus >= 500)) return new TransientChannelError('provider_unavailable', said);
  return new PermanentChannelError(`tencent_${code}`, said);
}

/** An error answer the SDK threw (a `code`, or an HTTP status), else null: a network error or timeout, outcome unknown. */
export function tencentHttpError(err: unknown): { code: string; message: string; status?: number } | null {
  const e = err as { code?: unknown; httpCode?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const status = typeof e?.httpCode === 'number' ? e.httpCode : undefined;
  if (code === '' && status === undefined) return null;
  return { code: code || `HTTP_${status}`, message: String(e?.message ?? ''), status };
}

/** Delivery-report `errmsg` codes of failed reports, in plain words. */
const REPORT_ERRORS: Record<string, string> = {
  MK_0001: 'the number is out of service or does not exist',
  MK_0004: 'the phone was switched off or out of coverage for the whole retry period',
  MK_0010: 'the number is on the carrier blacklist',
  DB_0141: 'the number is on the blacklist',
};

/** A delivery report in plain words. */
export function explainTencentReport(status: string, errorCode: string | null): string {
  const meaning = status === 'delivered' ? "the carrier confirmed delivery to the customer's phone" : status === 'undelivered' ? 'the carrier could not deliver the message' : `Tencent Cloud reported "${status}"`;
  if (!errorCode || errorCode === 'DELIVRD') return meaning;
  return `${meaning}: Tencent Cloud error ${errorCode}, ${REPORT_ERRORS[errorCode] ?? "see Tencent Cloud's SMS error codes"}`;
}
