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

// One SDK call: its answer's data when it is a 200, else a problem noted (the judge's verdict).
function judge() {
  const called = new Set();
  const problems = [];
  async function call(name, action) {
    called.add(name);
    try {
      const response = await action();
      if (!response || response.status !== 200) {
        const detail = response && response.response ? JSON.stringify(response.response.data) : String(response);
        problems.push(`${name}: ${response && (response.status || (response.response && response.response.status))} ${detail}`.slice(0, 600));
        return null;
      }
      return response.data;
    } catch (error) {
      problems.push(`${name}: ${error}`.slice(0, 600));
      return null;
    }
  }
  function check(condition, what) {
    if (!condition) problems.push(what);
  }
  function report(offered) {
    process.stdout.write(JSON.stringify({ offered: offered.sort(), called: [...called].sort(), problems }) + '\n');
  }
  return { call, check, report, called, problems };
}

module.exports = { admin, judge };
