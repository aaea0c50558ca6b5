// Judge: the npm package `infobip` (a community client) drives every call it offers: SMS.send
// (/sms/1/text/single to one number, /sms/2/text/single to several) and SMS.sendBulk
// (/sms/1/text/multi), with Basic and App authorization. The client always talks to
// http://api.infobip.com; the `request` library it uses honours HTTP_PROXY, which the test points
// at the fake (an HTTP proxy request is an absolute-form request target, which the fake serves).
"use strict";
const { Infobip } = require("infobip");
const { admin } = require("./common");

const offered = ["SMS.send", "SMS.sendBulk"];
const called = new Set();
const problems = [];
const CH = "41793026727", GB = "447400123456";


async function call(name, action) {
  called.add(name);
  try {
    return await action();
  } catch (error) {
    problems.push(`${name}: ${JSON.stringify(error).slice(0, 600)}`);
    return null;
  }
}

function check(condition, what) {
  if (!condition) problems.push(what);
}

function sent(answer, numbers, bulk, what) {
  if (answer === null) return;
  const messages = answer.messages || [];
  check(JSON.stringify(messages.map((m) => m.to)) === JSON.stringify(numbers), `${what}: ${JSON.stringify(answer)}`);
  check(messages.every((m) => m.smsCount === 1 && m.messageId && m.status && m.status.groupName), `${what}: ${JSON.stringify(messages)}`);
  check(("bulkId" in answer) === bulk, `${what}: bulkId ${JSON.stringify(answer)}`);
}

(async () => {
  await admin("POST", "/__admin/outcomes", { status: "DELIVERED_TO_HANDSET", delaySeconds: 5 });
  await admin("POST", "/__admin/accounts", { name: "Community", username: "community", password: "s3cret" });
  const basic = new Infobip("community", "s3cret");
  const byKey = new Infobip({ authType: "apiKey", apiKey: process.env.INFOBIP_API_KEY });
  for (const client of [basic, byKey]) {
    sent(await call("SMS.send", () => client.SMS.send({ from: "InfoSMS", to: CH, text: "Hello" })), [CH], false, "send one");
    sent(await call("SMS.send", () => client.SMS.send({ from: "InfoSMS", to: [CH, GB], text: "Hello" })), [CH, GB], true, "send several");
    const bulk = [
      { from: "InfoSMS", to: CH, text: "First" },
      { from: "InfoSMS", to: [GB, CH], text: "Second" },
    ];
    sent(await call("SMS.sendBulk", () => client.SMS.sendBulk(bulk)), [CH, GB, CH], true, "send bulk");
  }
  const rejected = await call("SMS.send", () =>
    new Infobip("community", "wrong").SMS.send({ from: "InfoSMS", to: CH, text: "x" }).then(
      (answer) => ({ accepted: answer }),
      (error) => error,
    ),
  );
  check(
    rejected && rejected.requestError && rejected.requestError.serviceException.messageId === "UNAUTHORIZED",
    `wrong password: ${JSON.stringify(rejected)}`,
  );
  await admin("POST", "/__admin/clock/advance", { seconds: 10 });
  const messages = (await admin("GET", "/__admin/messages")).messages;
  check(messages.length === 12, `the fake has ${messages.length} messages, not 12`);
  check(messages.every((m) => m.status === "DELIVERED_TO_HANDSET"), `statuses ${messages.map((m) => m.status)}`);
  process.stdout.write(JSON.stringify({ offered, called: [...called].sort(), problems }) + "\n");
})();
