/**
 * Only the broker's invalid-credentials answer is an authentication refusal. kafkajs 2.2.4 wraps every error of the
 * SCRAM exchange (`src/broker/saslAuthenticator/scram.js`) as KafkaJSSASLAuthenticationError("SASL SCRAM SHA512
 * authentication failed: <message>"); the messages below are the ones it produced against the local Kafka 4.x
 * broker (a wrong password, an unknown user) and through a proxy that stalled or dropped SaslAuthenticate.
 */
import { KafkaJSSASLAuthenticationError } from 'kafkajs';
import { SASL_ERROR, kafkaErrorType } from '../../../src/kafka/client';
import { loginRefused } from '../../../src/pipeline/decommission-check';
import { dedicatedTierChecks } from '../../../src/verify/checks/dedicated-tier';
import { VerifyContext } from '../../../src/verify/context';
import { RawSession, answer, isKafkaErrorType } from '../../../src/verify/raw';
import { Scope } from '../../../src/verify/scope';
import { smallModel } from './fixtures';

const PREFIX = 'SASL SCRAM SHA512 authentication failed: ';
const REJECTED = `${PREFIX}Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512`;
// kafkajs' typings declare no constructor arguments; the class (2.2.4 src/errors.js) takes the message.
const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const sasl = (message: string) => new SaslError(message);

describe('kafkaErrorType for SASL errors', () => {
  it("is SASL_AUTHENTICATION_FAILED for the broker's invalid-credentials answer", () => {
    expect(kafkaErrorType(sasl(REJECTED))).toBe('SASL_AUTHENTICATION_FAILED');
    expect(kafkaErrorType(sasl(REJECTED.replace('during authentication', 'during reauthentication')))).toBe(
      'SASL_AUTHENTICATION_FAILED',
    );
  });

  it.each([
    ['a timeout', `${PREFIX}Request SaslAuthenticate(key: 36, version: 1) timed out`],
    ['a dropped connection', `${PREFIX}Closed connection`],
    ['a mechanism the broker lacks', 'SASL SCRAM-SHA-512 mechanism is not supported by the server'],
    ['a bad server signature', `${PREFIX}Invalid server signature in server final message`],
    ['a bad nonce', `${PREFIX}Invalid server nonce, it does not start with the client nonce`],
    ['no credentials', 'SASL SCRAM SHA512 authentication: Invalid username or password'],
  ])('is SASL_ERROR, not an answer, for %s', (_what, message) => {
    expect(kafkaErrorType(sasl(message))).toBe(SASL_ERROR);
    expect(isKafkaErrorType(SASL_ERROR)).toBe(false);
  });

  it('makes a probe that hit a SASL_ERROR report no answer (the check errors)', async () => {
    await expect(answer(() => Promise.reject(sasl(`${PREFIX}Closed connection`)))).rejects.toThrow('Closed connection');
    await expect(answer(() => Promise.reject(sasl(REJECTED)))).resolves.toEqual({
      ok: false,
      error: 'SASL_AUTHENTICATION_FAILED',
    });
  });
});

describe('dedicated-tier.auth-refused', () => {
  afterEach(() => jest.restoreAllMocks());

  const authChecks = () => {
    const model = smallModel({ withDedicated: true });
    const secrets = { get: () => 'pw', getOrCreate: async () => 'pw' };
    const ctx = new VerifyContext(model, secrets);
    return dedicatedTierChecks(ctx, ctx.actors(), new Scope(model, ['bank']));
  };

  it('passes only on the broker refusing the credentials; a broken SASL exchange is an error', async () => {
    const check = authChecks().find((c) => c.id === 'dedicated-tier.auth-refused:bank.core@shared')!;
    expect(check).toBeDefined();
    const open = jest.spyOn(RawSession, 'open');
    open.mockRejectedValue(sasl(REJECTED));
    expect((await check.run()).status).toBe('pass');
    open.mockRejectedValue(sasl(`${PREFIX}Request SaslAuthenticate(key: 36, version: 1) timed out`));
    await expect(check.run()).rejects.toThrow('timed out');
    open.mockRejectedValue(sasl(`${PREFIX}Closed connection`));
    await expect(check.run()).rejects.toThrow('Closed connection');
  });
});

describe('decommission check: the login with the last password must be refused', () => {
  it('fails without a stored password: a random one proves nothing', async () => {
    const check = await loginRefused(
      ['127.0.0.1:1'],
      { username: 'gone.app', secretName: 'scram/gone.app' },
      undefined,
    );
    expect(check).toEqual({
      name: 'gone.app cannot authenticate',
      ok: false,
      detail: 'no stored password (secret "scram/gone.app"): cannot prove the credential is gone',
    });
  });

  it('fails when the login fails for another reason than refused credentials', async () => {
    const check = await loginRefused(['127.0.0.1:1'], { username: 'gone.app', secretName: 'scram/gone.app' }, 'pw');
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^expected SASL_AUTHENTICATION_FAILED, got KafkaJS\w+Error \(/);
  });
});
