// Judge: @infobip-api/sdk (Node) drives every 2FA call of its service.twoFA: the application and a
// template, a PIN over SMS read from the handset's SMS and verified (a wrong one first), resent, over
// voice, and the verifications of the number. The calls it offers are read from the SDK itself.
'use strict';
const { Infobip, AuthType } = require('@infobip-api/sdk');
const { admin, judge } = require('./common');

const BASE_URL = process.env.INFOBIP_BASE_URL;
const API_KEY = process.env.INFOBIP_API_KEY;
const CH = '41793026727';

const { call, check, report } = judge();

(async () => {
  const twoFA = new Infobip({ baseUrl: BASE_URL, apiKey: API_KEY, authType: AuthType.ApiKey }).service.twoFA;
  const offered = Object.getOwnPropertyNames(Object.getPrototypeOf(twoFA)).filter((name) => name !== 'constructor');
  const configuration = { pinAttempts: 3, pinTimeToLive: '10m', sendPinPerPhoneNumberLimit: '10/1d' };

  const app = await call('createApplication', () => twoFA.createApplication({ name: 'Sign-up', configuration }));
  const appId = app ? app.applicationId : 'none';
  check(app && app.configuration.pinAttempts === 3, `created: ${JSON.stringify(app)}`);
  const got = await call('getApplication', () => twoFA.getApplication(appId));
  check(got && got.name === 'Sign-up', `got: ${JSON.stringify(got)}`);
  const all = await call('getApplications', () => twoFA.getApplications());
  check(all && all.length === 1, `listed: ${JSON.stringify(all)}`);
  const renamed = await call('updateApplication', () => twoFA.updateApplication(appId, { name: 'Sign-up v2', configuration }));
  check(renamed && renamed.name === 'Sign-up v2', `updated: ${JSON.stringify(renamed)}`);

  const template = await call('createMessageTemplate', () => twoFA.createMessageTemplate(appId, {
    messageText: 'Your code is {{pin}}', pinType: 'NUMERIC', pinLength: 6, senderId: 'ACME',
  }));
  const msgId = template ? template.messageId : 'none';
  const changed = await call('updateMessageTemplate', () => twoFA.updateMessageTemplate(appId, msgId, {
    messageText: 'ACME code: {{pin}}', pinType: 'NUMERIC', pinLength: 6,
  }));
  check(changed && changed.messageText === 'ACME code: {{pin}}', `template: ${JSON.stringify(changed)}`);
  const one = await call('getMessageTemplate', () => twoFA.getMessageTemplate(appId, msgId));
  check(one && one.pinLength === 6, `got template: ${JSON.stringify(one)}`);
  const templates = await call('getMessageTemplates', () => twoFA.getMessageTemplates(appId));
  check(templates && templates.length === 1, `templates: ${JSON.stringify(templates)}`);

  const start = { applicationId: appId, messageId: msgId, to: CH };
  const sent = await call('sendPINCodeSMS', () => twoFA.sendPINCodeSMS(start, true));
  const pinId = sent ? sent.pinId : 'none';
  check(sent && sent.smsStatus === 'MESSAGE_SENT', `sent: ${JSON.stringify(sent)}`);
  const handset = (await admin('GET', `/__admin/messages?to=${CH}`)).messages[0].text;
  const pin = handset.split(' ').pop();
  const wrong = await call('verifyPhoneNumber', () => twoFA.verifyPhoneNumber(pinId, { pin: '000000' }));
  check(wrong && wrong.pinError === 'WRONG_PIN' && wrong.attemptsRemaining === 2, `wrong: ${JSON.stringify(wrong)}`);
  await admin('POST', '/__admin/clock/advance', { seconds: 3 });
  const again = await call('resendPINCodeSMS', () => twoFA.resendPINCodeSMS(pinId, {}));
  check(again && again.pinId === pinId, `resent: ${JSON.stringify(again)}`);
  const right = await twoFA.verifyPhoneNumber(pinId, { pin });
  check(right && right.data && right.data.verified === true, `verify ${pin}: ${JSON.stringify(right && right.data)}`);

  const voice = await call('sendPINCodeVoice', () => twoFA.sendPINCodeVoice(start));
  check(voice && voice.callStatus === 'PENDING_ACCEPTED', `voice: ${JSON.stringify(voice)}`);
  await call('resendPINCodeVoice', () => twoFA.resendPINCodeVoice(voice ? voice.pinId : 'none', {}));
  const status = await call('getVerificationStatus', () => twoFA.getVerificationStatus(appId, { msisdn: CH }));
  check(status && status.verifications.some((v) => v.verified), `verifications: ${JSON.stringify(status)}`);
  report(offered);
})();
