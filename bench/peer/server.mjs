// The benchmark's peer: panva's oidc-provider, node cluster, Redis adapter, one RS256 key.
// Env: PORT, REDIS_URL, ISSUER, WORKERS, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI.
// POST /bench/mint {n, code_challenge, nonce} stores n authorization codes the way the
// authorization endpoint would after a sign-in, so the token endpoint can be measured alone.
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import http from 'node:http';

import Redis from 'ioredis';
import Provider from 'oidc-provider';

const env = process.env;
const WORKERS = Number(env.WORKERS || 2);

if (cluster.isPrimary) {
  // One signing key shared by every worker, as a deployment would load it from a secret.
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', use: 'sig', alg: 'RS256' };
  for (let i = 0; i < WORKERS; i += 1) cluster.fork({ PEER_JWK: JSON.stringify(jwk) });
  cluster.on('exit', (worker, code) => {
    if (code) console.error(`peer worker ${worker.process.pid} exited with ${code}`);
  });
} else {
  const client = new Redis(env.REDIS_URL, { keyPrefix: 'oidc:' });
  const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
    'BackchannelAuthenticationRequest']);
  const consumable = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode',
    'BackchannelAuthenticationRequest']);

  // The shape of oidc-provider's example Redis adapter.
  class RedisAdapter {
    constructor(name) { this.name = name; }

    key(id) { return `${this.name}:${id}`; }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const multi = client.multi();
      if (consumable.has(this.name)) multi.hset(key, { payload: JSON.stringify(payload) });
      else multi.set(key, JSON.stringify(payload));
      if (expiresIn) multi.expire(key, expiresIn);
      if (grantable.has(this.name) && payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        multi.rpush(grantKey, key);
        const ttl = await client.ttl(grantKey);
        if (expiresIn > ttl) multi.expire(grantKey, expiresIn);
      }
      if (payload.userCode) multi.set(`userCode:${payload.userCode}`, id, 'EX', expiresIn);
      if (payload.uid) multi.set(`uid:${payload.uid}`, id, 'EX', expiresIn);
      await multi.exec();
    }

    async find(id) {
      const data = consumable.has(this.name)
        ? await client.hgetall(this.key(id))
        : await client.get(this.key(id));
      if (!data || (typeof data === 'object' && !Object.keys(data).length)) return undefined;
      if (typeof data === 'string') return JSON.parse(data);
      const { payload, ...rest } = data;
      return { ...rest, ...JSON.parse(payload) };
    }

    async findByUid(uid) { return this.find(await client.get(`uid:${uid}`)); }

    async findByUserCode(userCode) { return this.find(await client.get(`userCode:${userCode}`)); }

    async destroy(id) { await client.del(this.key(id)); }

    async revokeByGrantId(grantId) {
      const multi = client.multi();
      const tokens = await client.lrange(`grant:${grantId}`, 0, -1);
      tokens.forEach((token) => multi.del(token.replace(/^oidc:/, '')));
      multi.del(`grant:${grantId}`);
      await multi.exec();
    }

    async consume(id) { await client.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000)); }
  }

  const accounts = {
    async findAccount(ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, email: `${sub}@example.com`, email_verified: true, name: sub };
        },
      };
    },
  };

  const provider = new Provider(env.ISSUER, {
    adapter: RedisAdapter,
    clients: [{
      client_id: env.CLIENT_ID,
      client_secret: env.CLIENT_SECRET,
      redirect_uris: [env.REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    }],
    jwks: { keys: [JSON.parse(env.PEER_JWK)] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    ...accounts,
    // Latchkey issues a refresh token with every code exchange; do the same work here.
    issueRefreshToken: async (ctx, cl) => cl.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    ttl: { AuthorizationCode: 60, AccessToken: 3600, IdToken: 3600, RefreshToken: 86400,
      Grant: 86400, Session: 86400, Interaction: 600 },
    features: { devInteractions: { enabled: false } },
  });

  async function mint(body) {
    const oidcClient = await provider.Client.find(env.CLIENT_ID);
    const codes = [];
    for (let i = 0; i < body.n; i += 1) {
      const accountId = `user-${crypto.randomBytes(6).toString('hex')}`;
      const grant = new provider.Grant({ accountId, clientId: env.CLIENT_ID });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      const code = new provider.AuthorizationCode({
        accountId,
        grantId,
        client: oidcClient,
        redirectUri: env.REDIRECT_URI,
        scope: 'openid email profile',
        nonce: body.nonce,
        codeChallenge: body.code_challenge,
        codeChallengeMethod: 'S256',
        authTime: Math.floor(Date.now() / 1000),
        amr: ['hwk', 'user'],
      });
      codes.push(await code.save());
    }
    return codes;
  }

  const callback = provider.callback();
  http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/bench/mint') {
      let raw = '';
      req.on('data', (chunk) => { raw += chunk; });
      req.on('end', async () => {
        try {
          const codes = await mint(JSON.parse(raw));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ codes }));
        } catch (err) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err.stack || err));
        }
      });
      return;
    }
    callback(req, res);
  }).listen(Number(env.PORT), '127.0.0.1');
}
