// The workbench's calls to /v1: same origin, the session cookie (or nothing, without authentication).

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, body) {
  // X-Microseg-Request: a header no cross-site form can send, which the server asks of state-changing requests
  const init = {method, credentials: 'same-origin', headers: {'Accept': 'application/json', 'X-Microseg-Request': '1'}};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  let data = null;
  const text = await r.text();
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = {error: text}; }
  if (!r.ok) {
    if (r.status === 401 && path !== '/v1/session') window.dispatchEvent(new CustomEvent('signin-needed'));
    throw new ApiError(r.status, (data && data.error) || ('HTTP ' + r.status), data);
  }
  return data;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, body),
  del: (path) => call('DELETE', path),
};

/** The query string of params, without empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach(x => q.append(k, x));
    else if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  return q.toString();
}
