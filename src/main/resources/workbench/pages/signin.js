// Sign-in: an operator's token (a static operator token, or a Kubernetes token RBAC makes an operator).
import {h} from '../dom.js';
import {api} from '../api.js';

export function view(onSignedIn) {
  const token = h('input', {id: 'token', type: 'password', autocomplete: 'off', placeholder: 'operator token', required: true});
  const error = h('p', {id: 'signin-error', class: 'error', hidden: true});
  const form = h('form', {id: 'signin', class: 'card narrow'},
    h('h1', {}, 'Sign in'),
    h('p', {class: 'muted'}, 'With an operator\'s token: one from server.auth.operators, or your Kubernetes token '
      + '(kubectl create token, or your kubeconfig\'s) when RBAC allows you get on rules.microseg.io. Agents\' tokens are refused.'),
    h('label', {for: 'token'}, 'Token'), token,
    h('button', {type: 'submit', id: 'signin-button'}, 'Sign in'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await api.post('/v1/session', {token: token.value});
      token.value = '';
      onSignedIn();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  return form;
}
