import * as net from 'node:net';
import { EnvironmentError } from '../../../src/errors';
import type { Environment } from '../../../src/model/environment';
import { isEmptyState } from '../../../src/terraform/runner';
import { checkStateBackend, pgTarget, stateBackendEnv } from '../../../src/terraform/state-backend';

const pgEnv = (connStrEnv = 'KAFKA_TENANCY_PG_CONN_STR') =>
  ({ name: 'staging', state: { backend: 'pg', connStrEnv } }) as unknown as Environment;
const localEnv = { name: 'local', state: { backend: 'local' } } as unknown as Environment;

describe('stateBackendEnv', () => {
  it('hands the variable the environment names to terraform as PG_CONN_STR', () => {
    expect(stateBackendEnv(pgEnv('STAGING_PG'), { STAGING_PG: 'postgres://u@db:5432/tf' })).toEqual({
      PG_CONN_STR: 'postgres://u@db:5432/tf',
    });
  });

  it('needs nothing for the other backends', () => {
    expect(stateBackendEnv(localEnv, {})).toEqual({});
  });

  it('fails naming the backend and the variable when the variable is unset or empty', () => {
    for (const from of [{}, { KAFKA_TENANCY_PG_CONN_STR: ' ' }]) {
      expect(() => stateBackendEnv(pgEnv(), from)).toThrow(EnvironmentError);
      expect(() => stateBackendEnv(pgEnv(), from)).toThrow(
        'state backend pg (environment "staging"): KAFKA_TENANCY_PG_CONN_STR is not set',
      );
    }
  });
});

describe('pgTarget', () => {
  it('reads host, port, database and user of a URL, never the password', () => {
    const t = pgTarget('postgres://tf:s3cret@db.example.com:6543/state?sslmode=require', {});
    expect(t).toEqual({ host: 'db.example.com', port: 6543, database: 'state', user: 'tf' });
    expect(JSON.stringify(t)).not.toContain('s3cret');
  });

  it("reads libpq's key=value form, and falls back to PGHOST/PGPORT, then localhost:5432", () => {
    expect(pgTarget("host=10.0.0.5 port=5433 dbname='tf state' user=tf", {})).toEqual({
      host: '10.0.0.5',
      port: 5433,
      database: 'tf state',
      user: 'tf',
    });
    expect(pgTarget('postgres:///tf', { PGHOST: 'pg.internal', PGPORT: '7000' })).toMatchObject({
      host: 'pg.internal',
      port: 7000,
    });
    expect(pgTarget('dbname=tf', {})).toMatchObject({ host: 'localhost', port: 5432 });
  });
});

describe('checkStateBackend', () => {
  it('passes when the port answers and fails naming backend, address and variable when it does not', async () => {
    const srv = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as net.AddressInfo;
    const from = { KAFKA_TENANCY_PG_CONN_STR: `postgres://u@127.0.0.1:${port}/tf` };
    await expect(checkStateBackend(pgEnv(), from)).resolves.toBeUndefined();
    await new Promise<void>((r) => srv.close(() => r()));
    await expect(checkStateBackend(pgEnv(), from)).rejects.toThrow(
      `state backend pg (environment "staging"): the database at 127.0.0.1:${port} from KAFKA_TENANCY_PG_CONN_STR does not answer`,
    );
  });

  it('does nothing for the other backends', async () => {
    await expect(checkStateBackend(localEnv, {})).resolves.toBeUndefined();
  });
});

describe('isEmptyState', () => {
  it("treats no output and pg's sentinel state (no resources, no outputs) as a new stack", () => {
    expect(isEmptyState('')).toBe(true);
    expect(isEmptyState('{"version":4,"serial":0,"lineage":"","outputs":{},"resources":[]}')).toBe(true);
    expect(isEmptyState('{"version":4,"outputs":{"kafka_tenancy_topics":{"value":[]}},"resources":[]}')).toBe(false);
    expect(isEmptyState('{"version":4,"outputs":{},"resources":[{"type":"kafka_topic"}]}')).toBe(false);
  });
});
