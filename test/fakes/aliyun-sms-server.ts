/**
 * A fake Aliyun SMS (Dysmsapi 2017-05-25) on 127.0.0.1 speaking what the official SDK sends: RPC-style
 * `POST /?<params>` with `x-acs-action` SendSms or QuerySendDetails, signed ACS3-HMAC-SHA256. It verifies
 * every signature (a wrong one gets Aliyun's 400 SignatureDoesNotMatch), refuses a reused nonce, records
 * requests and accepted messages, injects faults per call or per number, and posts receipts (SmsReport) the
 * way Aliyun pushes them.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyAcs3 } from './provider-signatures.js';

/** What the fake does to a SendSms instead of accepting it. */
export type AliyunFault =
  /** HTTP 200 with this business Code (`isv.*`): nothing sent. */
  | { kind: 'code'; code: string; message?: string }
  /** An HTTP error answer with this status and Code (Throttling.User, ServiceUnavailable): nothing sent. */
  | { kind: 'http'; status: number; code: string }
  /** Accepts (and records) the message, then answers only after `ms`. */
  | { kind: 'slow_sent'; ms: number }
  /** Holds the request for `ms`, then answers 503 without sending. */
  | { kind: 'delay'; ms: number };

/** A SendSms the fake accepted. */
export interface FakeAliyunMessage {
  bizId: string;
  phoneNumbers: string;
  signName: string;
  templateCode: string;
  templateParam: Record<string, string>;
  outId: string | null;
  /** When it was accepted (Beijing dates of QuerySendDetails are computed from it). */
  at: Date;
}

export interface RecordedAliyunRequest {
  action: string;
  query: Record<string, string>;
  /** Null when the signature verified, else why it did not. */
  signatureProblem: string | null;
}

export interface FakeAliyunSms {
  /** Give this to the channel (`baseUrl`, the SDK's `endpoint` + `protocol: 'http'`). */
  baseUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  requests: RecordedAliyunRequest[];
  messages: FakeAliyunMessage[];
  failNext(fault: AliyunFault, times?: number): void;
  failNumber(phoneNumber: string, fault: AliyunFault): void;
  clearFaults(): void;
  reset(): void;
  close(): Promise<void>;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** `yyyy-MM-dd HH:mm:ss` in Beijing time, as Aliyun writes dates. */
function beijing(at: Date): string {
  const b = new Date(at.getTime() + 8 * 3_600_000);
  return `${b.getUTCFullYear()}-${pad(b.getUTCMonth() + 1)}-${pad(b.getUTCDate())} ${pad(b.getUTCHours())}:${pad(b.getUTCMinutes())}:${pad(b.getUTCSeconds())}`;
}

export async function startFakeAliyunSms(): Promise<FakeAliyunSms> {
  const accessKeyId = `LTAI${randomBytes(8).toString('hex')}`;
  const accessKeySecret = randomBytes(15).toString('base64');
  const requests: RecordedAliyunRequest[] = [];
  const messages: FakeAliyunMessage[] = [];
  const nonces = new Set<string>();
  let queued: { fault: AliyunFault; times: number }[] = [];
  let byNumber = new Map<string, AliyunFault>();
  let bizIds = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const query = Object.fromEntries(new URL(url, 'http://fake').searchParams);
      const action = String(req.headers['x-acs-action'] ?? '');
      let problem = verifyAcs3({ method: req.method ?? '', url, headers: req.headers, body }, { [accessKeyId]: accessKeySecret });
      const nonce = String(req.headers['x-acs-signature-nonce'] ?? '');
      if (problem === null && nonces.has(nonce)) problem = 'SignatureNonceUsed';
      nonces.add(nonce);
      requests.push({ action, query, signatureProblem: problem });
      const answer = (status: number, json: object) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
        res.end(JSON.stringify({ RequestId: randomBytes(8).toString('hex'), ...json }));
      };
      if (problem !== null) {
        const code = problem.split(':')[0];
        answer(code === 'InvalidAccessKeyId.NotFound' ? 404 : 400, { Code: code, Message: `Specified signature is not matched with our calculation. ${problem}` });
        return;
      }
      if (action === 'SendSms') sendSms(query, answer);
      else if (action === 'QuerySendDetails') querySendDetails(query, answer);
      else answer(404, { Code: 'InvalidAction.NotFound', Message: `Specified api is not found: ${action}` });
    });
  });

  function faultFor(phone: string): AliyunFault | null {
    const head = queued[0];
    if (head) {
      if (--head.times <= 0) queued.shift();
      return head.fault;
    }
    return byNumber.get(phone) ?? null;
  }

  function sendSms(query: Record<string, string>, answer: (status: number, json: object) => void): void {
    for (const required of ['PhoneNumbers', 'SignName', 'TemplateCode']) {
      if (!query[required]) return answer(400, { Code: 'MissingParameter', Message: `${required} is mandatory for this action.` });
    }
    const fault = faultFor(query.PhoneNumbers);
    if (fault?.kind === 'code') return answer(200, { Code: fault.code, Message: fault.message ?? fault.code });
    if (fault?.kind === 'http') return answer(fault.status, { Code: fault.code, Message: `fault ${fault.code}` });
    if (fault?.kind === 'delay') {
      setTimeout(() => answer(503, { Code: 'ServiceUnavailable', Message: 'late' }), fault.ms);
      return;
    }
    const message: FakeAliyunMessage = {
      bizId: `${Date.now()}^${++bizIds}`,
      phoneNumbers: query.PhoneNumbers,
      signName: query.SignName,
      templateCode: query.TemplateCode,
      templateParam: query.TemplateParam ? (JSON.parse(query.TemplateParam) as Record<string, string>) : {},
      outId: query.OutId ?? null,
      at: new Date(),
    };
    messages.push(message);
    const ok = () => answer(200, { Code: 'OK', Message: 'OK', BizId: message.bizId });
    if (fault?.kind === 'slow_sent') setTimeout(ok, fault.ms);
    else ok();
  }

  function querySendDetails(query: Record<string, string>, answer: (status: number, json: object) => void): void {
    if (!query.PhoneNumber || !/^\d{8}$/.test(query.SendDate ?? '')) return answer(400, { Code: 'isv.INVALID_PARAMETERS', Message: 'PhoneNumber and SendDate (yyyyMMdd) are required' });
    const pageSize = Math.min(Number(query.PageSize ?? 10), 50);
    const page = Math.max(Number(query.CurrentPage ?? 1), 1);
    const day = `${query.SendDate.slice(0, 4)}-${query.SendDate.slice(4, 6)}-${query.SendDate.slice(6, 8)}`;
    const matching = messages.filter((m) => m.phoneNumbers.split(',').includes(query.PhoneNumber) && beijing(m.at).startsWith(day));
    const items = matching.slice((page - 1) * pageSize, page * pageSize).map((m) => ({
      PhoneNum: query.PhoneNumber,
      SendStatus: 3,
      ErrCode: 'DELIVERED',
      TemplateCode: m.templateCode,
      Content: `【${m.signName}】${m.templateCode}`,
      SendDate: beijing(m.at),
      ReceiveDate: beijing(m.at),
      OutId: m.outId ?? '',
    }));
    answer(200, { Code: 'OK', Message: 'OK', TotalCount: String(matching.length), SmsSendDetailDTOs: { SmsSendDetailDTO: items } });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accessKeyId,
    accessKeySecret,
    requests,
    messages,
    failNext(fault, times = 1) {
      queued.push({ fault, times });
    },
    failNumber(phoneNumber, fault) {
      byNumber.set(phoneNumber, fault);
    },
    clearFaults() {
      queued = [];
      byNumber = new Map();
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      queued = [];
      byNumber = new Map();
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** An Aliyun receipt (SmsReport) for one accepted message. */
export function aliyunReceipt(message: FakeAliyunMessage, success: boolean, errCode = success ? 'DELIVERED' : 'MK:0001') {
  return {
    phone_number: message.phoneNumbers,
    send_time: beijing(message.at),
    report_time: beijing(new Date()),
    success,
    err_code: errCode,
    err_msg: success ? '用户接收成功' : '失败',
    sms_size: '1',
    biz_id: message.bizId,
    out_id: message.outId,
  };
}
