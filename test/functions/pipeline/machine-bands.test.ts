import assert from 'node:assert/strict';
import {
  bandFor,
  MachineBandsError,
  parseBandEntries,
  parseMachineBands,
  singleBand,
  type MachineBand,
} from '../../../functions/src/pipeline/machine-bands';

const TODAY = 'n1-standard-4';
const THREE = '100MB=n1-standard-4, 1GB=n1-standard-8, *=n1-highmem-16';

describe('pipeline/machine-bands', () => {
  describe('parseMachineBands', () => {
    const parsed: [string, string | undefined, MachineBand[]][] = [
      ['no configuration: one band, today’s type', undefined, [{ upToBytes: Infinity, machineType: TODAY }]],
      ['a blank string: the same', '  ', singleBand(TODAY)],
      ['one catch-all band', '*=n1-standard-8', [{ upToBytes: Infinity, machineType: 'n1-standard-8' }]],
      [
        'three bands, decimal units, blanks around entries',
        THREE,
        [
          { upToBytes: 100e6, machineType: 'n1-standard-4' },
          { upToBytes: 1e9, machineType: 'n1-standard-8' },
          { upToBytes: Infinity, machineType: 'n1-highmem-16' },
        ],
      ],
      [
        'binary units, lower case, fractions, plain bytes',
        '1500=e2-standard-4,2 MiB=n1-standard-8,0.5gib=n1-standard-16,*=a2-highgpu-1g',
        [
          { upToBytes: 1500, machineType: 'e2-standard-4' },
          { upToBytes: 2 * 2 ** 20, machineType: 'n1-standard-8' },
          { upToBytes: 2 ** 29, machineType: 'n1-standard-16' },
          { upToBytes: Infinity, machineType: 'a2-highgpu-1g' },
        ],
      ],
    ];
    for (const [what, text, bands] of parsed) {
      it(`${what}`, () => assert.deepEqual(parseMachineBands(text, TODAY), bands));
    }

    const refused: [string, string, RegExp][] = [
      ['no catch-all last band', '100MB=n1-standard-4', /last band must be \*/],
      ['a catch-all before the end', '*=n1-standard-4,1GB=n1-standard-8', /only the last band can be \*/],
      ['sizes not increasing', '1GB=n1-standard-4,100MB=n1-standard-8,*=n1-highmem-16', /must increase/],
      ['equal sizes', '1GB=n1-standard-4,1000MB=n1-standard-8,*=n1-highmem-16', /must increase/],
      ['no "="', '100MB n1-standard-4,*=n1-standard-8', /expected <size>=<machine type>/],
      ['an unknown unit', '100XB=n1-standard-4,*=n1-standard-8', /"100XB" is not a size/],
      ['a negative size', '-1MB=n1-standard-4,*=n1-standard-8', /is not a size/],
      ['a zero size', '0MB=n1-standard-4,*=n1-standard-8', /above 0/],
      ['no machine type', '100MB=,*=n1-standard-8', /"" is not a machine type/],
      ['an upper-case machine type', '*=N1-STANDARD-4', /is not a machine type/],
      ['an empty entry', '100MB=n1-standard-4,,*=n1-standard-8', /expected <size>=<machine type>/],
    ];
    for (const [what, text, message] of refused) {
      it(`refuses ${what}`, () => {
        assert.throws(
          () => parseMachineBands(text, TODAY),
          (e: unknown) => e instanceof MachineBandsError && message.test(e.message),
        );
      });
    }
  });

  describe('parseBandEntries (a configured, non-blank value)', () => {
    it('parses what parseMachineBands parses', () => {
      assert.deepEqual(parseBandEntries(THREE), parseMachineBands(THREE, 'never-used'));
    });
    it('refuses a blank value instead of falling back to a default', () => {
      for (const text of ['', ' ']) assert.throws(() => parseBandEntries(text), MachineBandsError);
    });
  });

  describe('bandFor', () => {
    const bands = parseMachineBands(THREE, TODAY);
    const cases: [number, string][] = [
      [0, 'n1-standard-4'],
      [1, 'n1-standard-4'],
      [100e6, 'n1-standard-4'], // a bound is inclusive
      [100e6 + 1, 'n1-standard-8'],
      [1e9, 'n1-standard-8'],
      [1e9 + 1, 'n1-highmem-16'],
      [5e12, 'n1-highmem-16'],
    ];
    for (const [bytes, machineType] of cases) {
      it(`${bytes} bytes → ${machineType}`, () => assert.equal(bandFor(bands, bytes).machineType, machineType));
    }

    it('the default single band takes every size', () => {
      for (const bytes of [0, 1, 2e9, Number.MAX_SAFE_INTEGER]) {
        assert.equal(bandFor(parseMachineBands(undefined, TODAY), bytes).machineType, TODAY);
      }
    });

    it('refuses a size that is not a number of bytes', () => {
      for (const bytes of [-1, NaN]) assert.throws(() => bandFor(bands, bytes), MachineBandsError);
    });
  });
});
