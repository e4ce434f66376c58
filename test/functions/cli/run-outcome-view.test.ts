import assert from 'node:assert/strict';
import { reportLinks } from '../../../functions/src/cli/run-outcome-view';

describe('cli/run-outcome-view reportLinks', () => {
  it('a gs:// report: the URI and its Cloud Console page, or the local file on the local stack', () => {
    assert.deepEqual(reportLinks('gs://art/runs/r1/report.html'), [
      'gs://art/runs/r1/report.html',
      'https://console.cloud.google.com/storage/browser/_details/art/runs/r1/report.html',
    ]);
    assert.deepEqual(
      reportLinks('gs://art/runs/r1/report.html', (b, n) => `/stack/buckets/${b}/${n}`),
      ['file:///stack/buckets/art/runs/r1/report.html'],
    );
  });

  it('anything but a gs:// object URI is shown as it is', () => {
    for (const uri of ['/tmp/report.html', 'gs://art/', 'gs://art'])
      assert.deepEqual(
        reportLinks(uri, () => '/never'),
        [uri],
      );
  });
});
