// A real OpenID provider for the tests (node-oidc-provider, a certified implementation).
// usage: node provider.mjs <port> <issuer> <config.json>
// config: {"jwks": {"keys": [private JWKs]}, "people": {client_id: {groups, name, ttl}}}
// Each test identity is a client; its client_credentials token is a JWT access token
// for the requested resource (the audience) carrying the identity's groups and name.
import fs from 'node:fs';
import Provider from 'oidc-provider';

const [port, issuer, configPath] = process.argv.slice(2);
const { jwks, people } = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const clients = Object.keys(people).map((id) => ({
  client_id: id,
  client_secret: `secret-${id}`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
}));
const provider = new Provider(issuer, {
  clients,
  jwks,
  cookies: { keys: ['aims-test-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
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
    const person = people[token.clientId];
    return person ? { groups: person.groups, name: person.name } : undefined;
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
