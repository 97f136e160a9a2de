// A real OpenID provider for the tests (node-oidc-provider, a certified implementation).
// usage: node provider.mjs <port> <issuer> <config.json>
// config: {"jwks": {"keys": [private JWKs]}, "people": {client_id: {groups, name, ttl}},
//          "users": {login: {groups, name}}, "apps": [{client_id, client_secret?, redirect_uris}]}
// Each test identity is a client; its client_credentials token is a JWT access token
// for the requested resource (the audience) carrying the identity's groups and name.
// Each app is a web client signing users in (authorization code, PKCE S256 required; a
// public client without client_secret); users log in at the provider's pages (any password);
// their access tokens carry their groups and name the same way.
import fs from 'node:fs';
import Provider from 'oidc-provider';

const [port, issuer, configPath] = process.argv.slice(2);
const { jwks, people, users = {}, apps = [] } = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const clients = Object.keys(people).map((id) => ({
  client_id: id,
  client_secret: `secret-${id}`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
})).concat(apps.map((app) => ({
  client_id: app.client_id,
  ...(app.client_secret ? { client_secret: app.client_secret } : { token_endpoint_auth_method: 'none' }),
  grant_types: ['authorization_code'],
  redirect_uris: app.redirect_uris,
  response_types: ['code'],
})));
const provider = new Provider(issuer, {
  clients,
  jwks,
  cookies: { keys: ['aims-test-cookie-key'] },
  pkce: { methods: ['S256'], required: () => true },
  findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  features: {
    devInteractions: { enabled: apps.length > 0 },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:aims',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: people[client.clientId]?.ttl ?? 300,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: people[client.clientId]?.alg ?? 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (ctx, token) => {
    const person = token.accountId ? users[token.accountId] : people[token.clientId];
    return person ? { groups: person.groups, name: person.name } : undefined;
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
