/** An environment file may not put two clusters on one host:port (issue 13). */
import * as path from 'node:path';
import { formatProblem, ValidationError } from '../../../src/errors';
import { loadEnvironment } from '../../../src/model/environment';

const FIXTURES = path.join(__dirname, '../../fixtures');

function problems(name: string): string[] {
  try {
    loadEnvironment(name, FIXTURES);
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map(formatProblem);
    throw e;
  }
}

describe('environment rule duplicate_address', () => {
  it('fails when a second cluster uses the address of the first, as bootstrap server or local port', () => {
    const shown = problems('same-port').map((p) => p.replace(/:\d+:\d+:/, ':'));
    expect(shown).toEqual([
      'environments/same-port.yaml: clusters.dedicated.bootstrapServers[0]: localhost:19092 is the same address as ' +
        'clusters.shared.bootstrapServers[0] (cluster "shared"); two clusters cannot listen on one host:port: ' +
        'give this cluster its own port',
      'environments/same-port.yaml: clusters.dedicated.local.clientPort: 127.0.0.1:19092 is the same address as ' +
        'clusters.shared.bootstrapServers[0] (cluster "shared"); two clusters cannot listen on one host:port: ' +
        'give this cluster its own port',
    ]);
  });

  it('points at the line of the second cluster', () => {
    expect(problems('same-port')[0]).toMatch(/^environments\/same-port\.yaml:15:\d+: /);
  });

  it('lets one cluster list its own client port as its bootstrap server (every local environment does)', () => {
    expect(problems('test')).toEqual([]);
    expect(() => loadEnvironment('local', path.join(__dirname, '../../..'))).not.toThrow();
  });
});

describe('environment rule duplicate_address for multi-broker local clusters', () => {
  it('counts every node port (clientPort + i, controllerPort + i), within a cluster and across clusters', () => {
    const shown = problems('ha-port-clash').map((p) => p.replace(/:\d+:\d+:/, ':'));
    expect(shown).toEqual([
      'environments/ha-port-clash.yaml: clusters.shared.local.controllerPort: 127.0.0.1:24094 is also ' +
        'clusters.shared.local.clientPort (node 3: clientPort + 2) of the same cluster; the nodes of a local cluster of ' +
        '3 brokers listen on 3 consecutive client and 3 consecutive controller ports: move one range',
      'environments/ha-port-clash.yaml: clusters.dedicated.local.clientPort: 127.0.0.1:24093 is the same address as ' +
        'clusters.shared.bootstrapServers[1] (cluster "shared"); two clusters cannot listen on one host:port: ' +
        'give this cluster its own port',
    ]);
  });

  it('accepts the example three-broker environment', () => {
    expect(() => loadEnvironment('local-ha', path.join(__dirname, '../../..'))).not.toThrow();
  });
});
