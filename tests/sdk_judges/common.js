// What every Node judge shares (as common.py does for the Python ones): the fake's admin API, which
// steers the scenario. Node's own fetch: no proxy, whatever HTTP_PROXY says.
'use strict';

async function admin(method, path, body) {
  const response = await fetch(process.env.INFOBIP_BASE_URL + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

module.exports = { admin };
