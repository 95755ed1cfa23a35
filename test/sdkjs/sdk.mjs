// Calls every method of the published SDK's DstackClient and TappdClient
// against the guest agent sockets named by DSTACK_SOCKET and TAPPD_SOCKET
// and prints every answer as one JSON object on stdout (bytes as hex), for
// test/sdk_test.go to check. A method that throws is recorded with its
// error message; nothing is checked here.
import { DstackClient, TappdClient, getComposeHash } from '@phala/dstack-sdk';

const reportData = Buffer.from(process.env.REPORT_DATA, 'hex');
const notBefore = Number(process.env.NOT_BEFORE);
const notAfter = Number(process.env.NOT_AFTER);

const toJSON = (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? v.toString() : v);

async function call(fn) {
  try {
    const v = await fn();
    return { ok: v === undefined ? null : JSON.parse(JSON.stringify(v, toJSON)) };
  } catch (e) {
    return { error: String(e && e.message) };
  }
}

// common calls the methods both clients have (TappdClient inherits
// DstackClient's).
async function common(c) {
  const r = {};
  r.isReachable = await call(() => c.isReachable());
  r.version = await call(() => c.version());
  r.info = await call(() => c.info());
  if (r.info.ok) {
    r.composeHash = await call(() => getComposeHash(JSON.parse(r.info.ok.tcb_info.app_compose)));
  }
  r.getKey = await call(() => c.getKey('sdk/test', 'signing'));
  r.getKeyEd25519 = await call(() => c.getKey('sdk/test', 'signing', 'ed25519'));
  r.getTlsKey = await call(async () => {
    const k = await c.getTlsKey({ subject: 'sdk.example', altNames: ['sdk.example', '127.0.0.1'], usageRaTls: true, usageServerAuth: true, usageClientAuth: true, withAppInfo: true });
    return { ...k, keyBytes: k.asUint8Array(32) };
  });
  r.getTlsKeyWindow = await call(() => c.getTlsKey({ subject: 'window', notBefore, notAfter }));
  r.getQuote = await call(async () => {
    const q = await c.getQuote(reportData);
    return { ...q, rtmrs: q.replayRtmrs() };
  });
  r.attest = await call(() => c.attest(reportData));
  for (const alg of ['ed25519', 'secp256k1', 'secp256k1_prehashed']) {
    const data = alg === 'secp256k1_prehashed' ? Buffer.alloc(32, 7) : Buffer.from('sdk data');
    const s = await call(() => c.sign(alg, data));
    r['sign_' + alg] = s;
    if (s.ok) {
      const sig = Buffer.from(s.ok.signature, 'hex');
      const pub = Buffer.from(s.ok.public_key, 'hex');
      r['verify_' + alg] = await call(() => c.verify(alg, data, sig, pub));
      const other = Buffer.from(data);
      other[0] ^= 1;
      r['verifyTampered_' + alg] = await call(() => c.verify(alg, other, sig, pub));
    }
  }
  r.emitEvent = await call(() => c.emitEvent('sdk-test', 'payload'));
  return r;
}

const out = {};
const d = new DstackClient(process.env.DSTACK_SOCKET);
out.dstack = await common(d);
out.dstack.deriveKey = await call(() => d.deriveKey('p', 's'));
out.dstack.tdxQuoteRaw = await call(async () => {
  const q = await d.tdxQuote(reportData, 'raw');
  return { ...q, rtmrs: q.replayRtmrs() };
});
out.dstack.tdxQuoteSha512 = await call(() => d.tdxQuote(reportData, 'sha512'));

const t = new TappdClient(process.env.TAPPD_SOCKET);
out.tappd = await common(t);
out.tappd.deriveKey = await call(() => t.deriveKey('sdk/path', 'tappd.example', ['tappd.example']));
out.tappd.tdxQuoteSha512 = await call(async () => {
  const q = await t.tdxQuote(reportData, 'sha512');
  return { ...q, rtmrs: q.replayRtmrs() };
});
out.tappd.tdxQuoteRaw = await call(async () => {
  const q = await t.tdxQuote(reportData, 'raw');
  return { ...q, rtmrs: q.replayRtmrs() };
});

process.stdout.write(JSON.stringify(out));
