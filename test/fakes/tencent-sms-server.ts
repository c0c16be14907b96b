/**
 * A fake Tencent Cloud SMS (API 2021-01-11) on 127.0.0.1 speaking what the official SDK sends: `POST /`
 * with a JSON body and `X-TC-Action` SendSms or PullSmsSendStatusByPhoneNumber, signed TC3-HMAC-SHA256
 * for the service `sms`. It verifies every signature (a wrong one gets AuthFailure.SignatureFailure),
 * records requests and accepted messages, and injects faults per call.
 *
 * The SDK derives the signed service from the API host's first label, so the fake is reached as
 * `http://sms.tencentcloudapi.com:<port>` through `agent`, which resolves that host to 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { verifyTc3 } from './provider-signatures.js';

export type TencentFault =
  /** The request is refused as a whole (`Response.Error`): nothing sent. */
  | { kind: 'error'; code: string }
  /** The number is refused in SendStatusSet with this Code: nothing sent. */
  | { kind: 'status'; code: string }
  /** Accepts (and records) the message, then answers only after `ms`. */
  | { kind: 'slow_sent'; ms: number };

export interface FakeTencentMessage {
  serialNo: string;
  phoneNumber: string;
  sdkAppId: string;
  signName: string;
  templateId: string;
  params: string[];
  sessionContext: string;
  at: Date;
}

export interface RecordedTencentRequest {
  action: string;
  body: Record<string, unknown>;
  signatureProblem: string | null;
}

export interface FakeTencentSms {
  baseUrl: string;
  /** Give this to the channel (`agent`): it resolves the API host to the fake. */
  agent: http.Agent;
  secretId: string;
  secretKey: string;
  requests: RecordedTencentRequest[];
  messages: FakeTencentMessage[];
  failNext(fault: TencentFault, times?: number): void;
  reset(): void;
  close(): Promise<void>;
}

const HOST = 'sms.tencentcloudapi.com';

/** Resolves every name to 127.0.0.1 (the fake), in both callback forms net.connect may ask for. */
const toLoopback: LookupFunction = (_host, options, callback) => {
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

export async function startFakeTencentSms(): Promise<FakeTencentSms> {
  const secretId = `AKID${randomBytes(12).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const requests: RecordedTencentRequest[] = [];
  const messages: FakeTencentMessage[] = [];
  let queued: { fault: TencentFault; times: number }[] = [];
  let serials = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const action = String(req.headers['x-tc-action'] ?? '');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      let problem = verifyTc3({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body: raw }, { [secretId]: secretKey });
      const service = /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      if (problem === null && service !== 'sms') problem = `AuthFailure.SignatureFailure: signed for service "${service}", not sms`;
      requests.push({ action, body, signatureProblem: problem });
      const respond = (response: object) => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Response: { RequestId: randomBytes(8).toString('hex'), ...response } }));
      };
      if (problem !== null) return respond({ Error: { Code: problem.split(':')[0], Message: problem } });
      if (action === 'SendSms') return sendSms(body, respond);
      if (action === 'PullSmsSendStatusByPhoneNumber') return pull(body, respond);
      respond({ Error: { Code: 'InvalidAction', Message: `no action ${action}` } });
    });
  });

  function sendSms(body: Record<string, unknown>, respond: (r: object) => void): void {
    const phones = (body.PhoneNumberSet as string[] | undefined) ?? [];
    const fault = queued[0]?.fault ?? null;
    if (queued[0] && --queued[0].times <= 0) queued.shift();
    if (fault?.kind === 'error') return respond({ Error: { Code: fault.code, Message: `fault ${fault.code}` } });
    if (fault?.kind === 'status') {
      return respond({ SendStatusSet: phones.map((p) => ({ SerialNo: '', PhoneNumber: p, Fee: 0, SessionContext: body.SessionContext, Code: fault.code, Message: 'refused', IsoCode: 'CN' })) });
    }
    const accepted = phones.map((phoneNumber) => {
      const message: FakeTencentMessage = {
        serialNo: `2019:${Date.now()}${++serials}`,
        phoneNumber,
        sdkAppId: String(body.SmsSdkAppId),
        signName: String(body.SignName),
        templateId: String(body.TemplateId),
        params: (body.TemplateParamSet as string[] | undefined) ?? [],
        sessionContext: String(body.SessionContext ?? ''),
        at: new Date(),
      };
      messages.push(message);
      return message;
    });
    const ok = () =>
      respond({ SendStatusSet: accepted.map((m) => ({ SerialNo: m.serialNo, PhoneNumber: m.phoneNumber, Fee: 1, SessionContext: m.sessionContext, Code: 'Ok', Message: 'send success', IsoCode: 'CN' })) });
    if (fault?.kind === 'slow_sent') setTimeout(ok, fault.ms);
    else ok();
  }

  function pull(body: Record<string, unknown>, respond: (r: object) => void): void {
    const begin = Number(body.BeginTime) * 1000;
    const end = body.EndTime === undefined ? Infinity : Number(body.EndTime) * 1000;
    const limit = Math.min(Number(body.Limit ?? 100), 100);
    const set = messages
      .filter((m) => m.phoneNumber === body.PhoneNumber && m.sdkAppId === String(body.SmsSdkAppId) && m.at.getTime() >= begin && m.at.getTime() <= end)
      .reverse()
      .slice(0, limit)
      .map((m) => ({
        UserReceiveTime: Math.floor(m.at.getTime() / 1000),
        CountryCode: '86',
        SubscriberNumber: m.phoneNumber.slice(3),
        PhoneNumber: m.phoneNumber,
        SerialNo: m.serialNo,
        ReportStatus: 'SUCCESS',
        Description: 'DELIVRD',
        SessionContext: m.sessionContext,
      }));
    respond({ PullSmsSendStatusSet: set });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ lookup: toLoopback } as http.AgentOptions);
  return {
    baseUrl: `http://${HOST}:${port}`,
    agent,
    secretId,
    secretKey,
    requests,
    messages,
    failNext(fault, times = 1) {
      queued.push({ fault, times });
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      queued = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Tencent Cloud status callback for one accepted message. */
export function tencentReport(message: FakeTencentMessage, success: boolean, errmsg = success ? 'DELIVRD' : 'MK_0004') {
  return {
    user_receive_time: new Date().toISOString().replace('T', ' ').slice(0, 19),
    nationcode: '86',
    mobile: message.phoneNumber.slice(3),
    report_status: success ? 'SUCCESS' : 'FAIL',
    errmsg,
    description: success ? '用户短信送达成功' : '失败',
    sid: message.serialNo,
  };
}
