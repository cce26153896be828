import fc from 'fast-check';
import { APP_NAME_PATTERN, TENANT_ID_PATTERN, username } from '../../../src/naming';
import {
  adminPasswordVariable,
  identifierOf,
  nameOfIdentifier,
  REVOCATION_VARIABLE,
  secretForVariable,
  variableNames,
} from '../../../src/model/terraform-names';
import { secretName as scramSecretName } from '../../../src/naming';

/** `export TF_VAR_<name>=…` must work in any POSIX shell. */
const SHELL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Cluster names as environments/<env>.yaml allows them. */
const CLUSTER_NAME = /^[a-z][a-z0-9-]*$/;

const usernames = fc
  .tuple(fc.stringMatching(TENANT_ID_PATTERN), fc.stringMatching(APP_NAME_PATTERN))
  .map(([t, a]) => username(t, a));

describe('terraform variable names', () => {
  it('map a username to its variable and back to its secret', () => {
    const { password } = variableNames('acme.billing-app');
    expect(password).toBe('scram_password_acme__billing_h_app');
    expect(secretForVariable(password)).toEqual({
      kind: 'scram',
      username: 'acme.billing-app',
      secret: scramSecretName('acme.billing-app'),
    });
  });

  it('keep the names of usernames without "-" as they always were', () => {
    expect(variableNames('acme.billing')).toEqual({
      password: 'scram_password_acme__billing',
      passwordVersion: 'scram_password_acme__billing_version',
    });
    expect(adminPasswordVariable('shared')).toBe('admin_password_shared');
  });

  it('map the admin variable to its cluster, "-" included', () => {
    expect(adminPasswordVariable('dedicated-2')).toBe('admin_password_dedicated_h_2');
    expect(secretForVariable(adminPasswordVariable('dedicated-2'))).toEqual({ kind: 'admin', cluster: 'dedicated-2' });
  });

  it('treat the version variable as no secret, even for an application named "x-version"', () => {
    expect(secretForVariable(variableNames('acme.billing').passwordVersion)).toBeUndefined();
    expect(secretForVariable(variableNames('acme.x').passwordVersion)).toBeUndefined();
    expect(secretForVariable(variableNames('acme.x-version').password)).toMatchObject({ username: 'acme.x-version' });
    expect(secretForVariable(variableNames('acme.x-version').passwordVersion)).toBeUndefined();
  });

  it('recognise the revocation variable and nothing that merely looks like a secret', () => {
    expect(secretForVariable(REVOCATION_VARIABLE)).toEqual({ kind: 'revocation' });
    expect(secretForVariable('scram_password_acme__billing-app')).toBeUndefined(); // the old, unexportable form
    expect(secretForVariable('scram_password_')).toBeUndefined();
    expect(secretForVariable('admin_password_a_x')).toBeUndefined();
  });

  it('never map acme-eu.billing and acme.eu-billing to one variable', () => {
    expect(variableNames('acme-eu.billing').password).toBe('scram_password_acme_h_eu__billing');
    expect(variableNames('acme.eu-billing').password).toBe('scram_password_acme__eu_h_billing');
  });

  it('refuse a name outside [a-z0-9.-] instead of inventing an ambiguous variable', () => {
    expect(() => identifierOf('acme_eu.billing')).toThrow(/only lowercase letters, digits/);
    expect(nameOfIdentifier('acme_x')).toBeUndefined();
  });

  it('are shell identifiers for every valid username and cluster name, and decode back to it (property)', () => {
    fc.assert(
      fc.property(usernames, (user) => {
        const { password, passwordVersion } = variableNames(user);
        expect(`TF_VAR_${password}`).toMatch(SHELL_IDENTIFIER);
        expect(`TF_VAR_${passwordVersion}`).toMatch(SHELL_IDENTIFIER);
        expect(secretForVariable(password)).toEqual({ kind: 'scram', username: user, secret: scramSecretName(user) });
        expect(secretForVariable(passwordVersion)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(CLUSTER_NAME), (cluster) => {
        expect(`TF_VAR_${adminPasswordVariable(cluster)}`).toMatch(SHELL_IDENTIFIER);
        expect(secretForVariable(adminPasswordVariable(cluster))).toEqual({ kind: 'admin', cluster });
      }),
    );
  });

  it('give two different usernames two different variables (property)', () => {
    fc.assert(
      fc.property(usernames, usernames, (a, b) => {
        fc.pre(a !== b);
        expect(variableNames(a).password).not.toBe(variableNames(b).password);
        expect(variableNames(a).password).not.toBe(variableNames(b).passwordVersion);
      }),
    );
  });
});
