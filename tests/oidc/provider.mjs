// The real OpenID Connect provider (npm `oidc-provider`) that the test suite starts on loopback.
//
// Usage: node provider.mjs CONFIG.json
//
// CONFIG.json:
//   issuer            public issuer URL, or null for http://127.0.0.1:<listen port>
//                     (differs from the listen address when a proxy stands in front)
//   listen_port       port to listen on, 0 = any free port
//   clients           [{client_id, client_secret, redirect_uris,
//                       post_logout_redirect_uris?, token_endpoint_auth_method?}]
//   users             [{username, password, claims: {sub, email, email_verified, name,
//                       national_id?, acr?}}]
//   signing_key       private RSA JWK, or null: then two keys are generated and written to
//   key_file          as {"signing": JWK, "foreign": JWK} (foreign is never published)
//   id_token_ttl, access_token_ttl   seconds (default 600)
//   exit_on_stdin_close              exit when the parent closes our stdin (it died)
//
// Prints one line `READY <issuer> <listen url>` on stdout once it accepts connections;
// logs go to stderr. Exits cleanly on SIGTERM or SIGINT.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const users = new Map(config.users.map((user) => [user.username, user]));
const accounts = new Map(config.users.map((user) => [user.claims.sub, user]));
const clientIds = new Set(config.clients.map((client) => client.client_id));
const acrValues = [...new Set(config.users.map((user) => user.claims.acr).filter(Boolean))];
// Cookie names of their own: the app (minka_session, minka_lang) shares 127.0.0.1 with us and
// browsers ignore ports for cookies.
const cookieNames = {
  session: 'test_op_session',
  interaction: 'test_op_interaction',
  resume: 'test_op_resume',
};

function log(...parts) {
  process.stderr.write(`[test-op] ${parts.join(' ')}\n`);
}

function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  // No external resources: the machine has no network, and a browser test would try.
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>${body}</main></body></html>`;
}

function thumbprint(jwk) {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return crypto.hash('sha256', canonical, 'base64url');
}

function generateRsaJwk() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: thumbprint(jwk), alg: 'RS256', use: 'sig' };
}

function signingKey() {
  if (config.signing_key) return config.signing_key;
  const keys = { signing: generateRsaJwk(), foreign: generateRsaJwk() };
  const partial = `${config.key_file}.partial`;
  fs.writeFileSync(partial, JSON.stringify(keys), { mode: 0o600 });
  fs.renameSync(partial, config.key_file);
  return keys.signing;
}

function loginForm(uid, client, { username = '', error = '' } = {}) {
  const alert = error ? `<p role="alert" id="login-error">${escapeHtml(error)}</p>` : '';
  return page('Sign in — test identity provider', `
<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(client?.clientName || client?.clientId)}</strong></p>
${alert}
<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required
         value="${escapeHtml(username)}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`);
}

async function readForm(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function constantTimeEqual(a, b) {
  const left = crypto.hash('sha256', String(a), 'buffer');
  const right = crypto.hash('sha256', String(b), 'buffer');
  return crypto.timingSafeEqual(left, right);
}

async function grantConsent(provider, details) {
  const { prompt, params, session } = details;
  if (!clientIds.has(params.client_id)) {
    throw new Error(`client ${params.client_id} is not configured`);
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

function interactions(provider) {
  const route = /^\/interaction\/([\w-]+)(\/login)?$/;
  return async (ctx, next) => {
    const match = route.exec(ctx.path);
    if (!match) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    const [, uid, login] = match;
    try {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) throw new Error('interaction does not match its cookie');
      const client = await provider.Client.find(details.params.client_id);
      if (!login && ctx.method === 'GET') {
        if (details.prompt.name === 'login') {
          ctx.body = loginForm(uid, client);
          return undefined;
        }
        if (details.prompt.name === 'consent') {
          const consent = await grantConsent(provider, details);
          const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent });
          ctx.status = 303;
          ctx.redirect(returnTo);
          return undefined;
        }
        throw new Error(`unsupported prompt ${details.prompt.name}`);
      }
      if (login && ctx.method === 'POST' && details.prompt.name === 'login') {
        const form = await readForm(ctx.req);
        const username = form.get('username') || '';
        const user = users.get(username);
        // Compare even for an unknown user, so timing does not tell who exists.
        const passwordMatches = constantTimeEqual(form.get('password') || '', user?.password ?? '');
        if (!user || !passwordMatches) {
          log('refused login for', JSON.stringify(username));
          ctx.body = loginForm(uid, client, { username, error: 'Invalid username or password.' });
          return undefined;
        }
        const loginResult = { accountId: user.claims.sub, amr: ['pwd'], remember: false };
        if (user.claims.acr) loginResult.acr = user.claims.acr;
        const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: loginResult });
        ctx.status = 303;
        ctx.redirect(returnTo);
        return undefined;
      }
      ctx.status = 405;
      ctx.body = page('Not allowed', '<h1>Method not allowed</h1>');
    } catch (err) {
      log('interaction error:', err.name, err.message);
      ctx.status = 400;
      ctx.body = page('Error', `<h1>Error</h1>
<p id="error">interaction_failed</p>
<p id="error_description">${escapeHtml(`${err.name}: ${err.message}`)}</p>`);
    }
    return undefined;
  };
}

function providerConfiguration() {
  const idTokenTtl = config.id_token_ttl ?? 600;
  const accessTokenTtl = config.access_token_ttl ?? 600;
  return {
    clients: config.clients.map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      post_logout_redirect_uris: client.post_logout_redirect_uris || [],
      token_endpoint_auth_method: client.token_endpoint_auth_method || 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks: { keys: [signingKey()] },
    cookies: {
      names: cookieNames,
      keys: [crypto.randomBytes(32).toString('base64url')],
    },
    // acr rides with `openid` so every ID token states the level of assurance of the login,
    // as identity providers for public services do; otherwise only an acr_values request would.
    claims: {
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub', 'acr'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      dni: ['national_id'],
    },
    acrValues,
    async findAccount(ctx, sub) {
      const user = accounts.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          const { acr, ...claims } = user.claims;
          return claims;
        },
      };
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign out — test identity provider', `
<h1>Sign out?</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<h1>Signed out</h1>');
        },
      },
    },
    pkce: { required: () => true },
    responseTypes: ['code'],
    scopes: ['openid'],
    clientBasedCORS: () => false,
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>Error</h1>
<p id="error">${escapeHtml(out.error)}</p>
<p id="error_description">${escapeHtml(out.error_description)}</p>`);
    },
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: idTokenTtl,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  };
}

let handler = (req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = http.createServer((req, res) => handler(req, res));
let stopping = false;

function shutdown(reason) {
  if (stopping) return;
  stopping = true;
  log('stopping:', reason);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (config.exit_on_stdin_close) {
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.resume();
}

server.listen(config.listen_port ?? 0, '127.0.0.1', () => {
  const listenUrl = `http://127.0.0.1:${server.address().port}`;
  const issuer = config.issuer || listenUrl;
  const provider = new Provider(issuer, providerConfiguration());
  provider.use(interactions(provider));
  provider.on('server_error', (ctx, err) => log('server_error:', err.stack));
  handler = provider.callback();
  process.stdout.write(`READY ${issuer} ${listenUrl}\n`);
});
