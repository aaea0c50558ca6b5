// Judge: @infobip-api/sdk (Node) drives every SMS call it offers, its OAuth token call and its IBSSO
// session calls (create, use with AuthType.IBSSO, destroy). Its other channels are not judged here.
// Prints one JSON line like the Python judges: offered, called, problems.
'use strict';
const http = require('http');
const { Infobip, AuthType } = require('@infobip-api/sdk');
const { admin, judge } = require('./common');

const BASE_URL = process.env.INFOBIP_BASE_URL;
const API_KEY = process.env.INFOBIP_API_KEY;
const CH = '41793026727', GB = '447400123456', SHOP = '447491163443';


const { call, check, report, called } = judge();

(async () => {
  const received = [];
  const receiver = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => { received.push(data); res.writeHead(200); res.end(); });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${receiver.address().port}/hook`;

  await admin('POST', '/__admin/outcomes', { status: 'DELIVERED_TO_HANDSET', delaySeconds: 5 });
  await admin('POST', '/__admin/numbers', { number: SHOP });
  await admin('POST', '/__admin/accounts', { name: 'Node', username: 'node-judge', password: 'n0de' });
  const now = new Date((await admin('GET', '/__admin/clock')).now.replace('+0000', 'Z'));

  const infobip = new Infobip({ baseUrl: BASE_URL, apiKey: API_KEY, authType: AuthType.ApiKey });
  const sms = infobip.channels.sms;
  const offered = ['send(text)', 'send(binary)', 'send(query)', 'preview', 'get', 'reports.get', 'logs.get',
    'scheduled.get', 'scheduled.reschedule', 'status.get', 'status.update', 'auth.oauth2.create',
    'auth.ibsso.create', 'auth.ibsso.destroy'];

  const sent = await call('send(text)', () => sms.send({
    type: 'text',
    messages: [{ destinations: [{ to: CH }], from: SHOP, text: 'Hello from Node', notifyUrl: hook, callbackData: 'node' }],
  }));
  check(sent && sent.messages[0].status.groupName === 'PENDING', `send: ${JSON.stringify(sent)}`);
  const binary = await call('send(binary)', () => sms.send({
    type: 'binary', messages: [{ destinations: [{ to: GB }], binary: { hex: '48 65 6c 6c 6f' } }],
  }));
  check(binary && binary.messages.length === 1, `binary: ${JSON.stringify(binary)}`);
  // the query call authenticates as the account of its username and password (a second account)
  const viaQuery = new Infobip({ baseUrl: BASE_URL, authType: AuthType.Basic, username: 'node-judge', password: 'n0de' });
  const query = await call('send(query)', () => viaQuery.channels.sms.send({
    type: 'query', username: 'node-judge', password: 'n0de', to: [CH, GB], text: 'Over the query',
  }));
  check(query && query.messages.length === 2, `query: ${JSON.stringify(query)}`);
  const later = new Date(now.getTime() + 86400000).toISOString();
  await call('send(text)', () => sms.send({
    type: 'text', bulkId: 'node-bulk', messages: [{ destinations: [{ to: CH }], text: 'Later', sendAt: later }],
  }));
  const preview = await call('preview', () => sms.preview({ text: 'Olá, tudo bem?', languageCode: 'PT' }));
  check(preview && preview.previews.length === 2, `preview: ${JSON.stringify(preview)}`);
  const bulk = await call('scheduled.get', () => sms.scheduled.get('node-bulk'));
  check(bulk && bulk.bulkId === 'node-bulk', `bulk: ${JSON.stringify(bulk)}`);
  const moved = new Date(now.getTime() + 2 * 86400000).toISOString();
  await call('scheduled.reschedule', () => sms.scheduled.reschedule('node-bulk', moved));
  const status = await call('status.get', () => sms.status.get('node-bulk'));
  check(status && status.status === 'PENDING', `status: ${JSON.stringify(status)}`);
  const canceled = await call('status.update', () => sms.status.update('node-bulk', 'CANCELED'));
  check(canceled && canceled.status === 'CANCELED', `cancel: ${JSON.stringify(canceled)}`);

  await admin('POST', '/__admin/clock/advance', { seconds: 60 });
  check(received.length === 1 && JSON.parse(received[0]).results[0].callbackData === 'node', `callbacks: ${received}`);
  const reports = await call('reports.get', () => sms.reports.get({ limit: 10 }));
  check(reports && reports.results.length === 2, `reports: ${JSON.stringify(reports)}`);
  const logs = await call('logs.get', () => sms.logs.get({ limit: 10 }));
  check(logs && logs.results.length === 3, `logs: ${JSON.stringify(logs)}`);
  await admin('POST', '/__admin/inbound', { from: CH, to: SHOP, text: 'Hi shop' });
  const inbox = await call('get', () => sms.get(10));
  check(inbox && inbox.results.length === 1 && inbox.results[0].text === 'Hi shop', `inbox: ${JSON.stringify(inbox)}`);

  const oauth = new Infobip({ baseUrl: BASE_URL, authType: AuthType.Basic, username: 'node-judge', password: 'n0de' });
  const token = await call('auth.oauth2.create', () => oauth.auth.oauth2.create());
  check(token && token.access_token && token.expires_in > 0, `token: ${JSON.stringify(token)}`);
  if (token) {
    const bearer = new Infobip({ baseUrl: BASE_URL, authType: AuthType.OAuth, oauthToken: token.access_token });
    const withToken = await call('logs.get', () => bearer.channels.sms.logs.get({ limit: 1 }));
    check(withToken && Array.isArray(withToken.results), `logs with a token: ${JSON.stringify(withToken)}`);
  }
  const login = new Infobip({ baseUrl: BASE_URL, authType: AuthType.Basic, username: 'node-judge', password: 'n0de' });
  const session = await call('auth.ibsso.create', () => login.auth.ibsso.create());
  const ibssoToken = session && session.token;
  check(typeof ibssoToken === 'string' && ibssoToken.length > 0, `session: ${JSON.stringify(session)}`);
  if (ibssoToken) {
    const ibsso = new Infobip({ baseUrl: BASE_URL, authType: AuthType.IBSSO, ibssoToken });
    const withSession = await call('logs.get', () => ibsso.channels.sms.logs.get({ limit: 1 }));
    check(withSession && Array.isArray(withSession.results), `logs with a session: ${JSON.stringify(withSession)}`);
    called.add('auth.ibsso.destroy');
    const ended = await login.auth.ibsso.destroy(ibssoToken);  // the SDK hands back the HTTP answer
    check(ended && ended.status === 204, `destroy: ${ended && (ended.status || ended.message)}`);
    const after = await ibsso.channels.sms.logs.get({ limit: 1 });
    check(after && after.response && after.response.status === 401, `a destroyed session still works: ${JSON.stringify(after && after.results)}`);
  }
  receiver.close();
  report(offered);
})();
