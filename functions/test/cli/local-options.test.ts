import { join, resolve } from 'node:path';
import { readLocalOptions } from '../../src/cli/local/options';

const REPO = resolve(__dirname, '../../..');

describe('the local runner reads its scenario path from where the user stands', () => {
  it('resolves a relative LOCAL_SCENARIO from INIT_CWD (where npm was run), not from functions/', () => {
    const options = readLocalOptions([], { INIT_CWD: REPO, LOCAL_SCENARIO: 'examples/shared-incident.json' });
    expect(options.scenarioPath).toBe(join(REPO, 'examples/shared-incident.json'));
  });

  it('resolves a relative path argument the same way, and leaves absolute paths and the default alone', () => {
    expect(readLocalOptions(['examples/degrading-alpha.json', '--no-register'], { INIT_CWD: '/home/me/work' }).scenarioPath).toBe('/home/me/work/examples/degrading-alpha.json');
    expect(readLocalOptions(['/abs/s.json'], { INIT_CWD: '/home/me/work' }).scenarioPath).toBe('/abs/s.json');
    expect(readLocalOptions([], { INIT_CWD: '/elsewhere' }).scenarioPath).toBe(join(REPO, 'examples/degrading-alpha.json'));
  });
});
