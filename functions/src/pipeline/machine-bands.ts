// The training machine follows the data: a dataset's size picks its band, the band names the Vertex AI machine type.
// Pure: parsed from one configuration string, e.g.
//   "100MB=n1-standard-4, 1GB=n1-standard-8, *=n1-highmem-16"
// read as: up to 100 MB → n1-standard-4, up to 1 GB → n1-standard-8, anything larger → n1-highmem-16. Sizes are
// bytes of the dropped object (known before any build is spent), with B, KB, MB, GB (powers of 1000) or KiB, MiB,
// GiB (powers of 1024). No string (or an empty one) means one band: the single machine type configured today.

/** One band: datasets of at most `upToBytes` bytes (the last band: any size) train on `machineType`. */
export interface MachineBand {
  upToBytes: number;
  machineType: string;
}

/** The configuration string cannot be used; the message says which entry and why. */
export class MachineBandsError extends Error {
  override name = 'MachineBandsError';
}

const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['B', 1],
  ['KB', 1e3],
  ['MB', 1e6],
  ['GB', 1e9],
  ['TB', 1e12],
  ['KIB', 2 ** 10],
  ['MIB', 2 ** 20],
  ['GIB', 2 ** 30],
  ['TIB', 2 ** 40],
]);
// Vertex AI machine type names: lower-case letters, digits and dashes (n1-standard-4, a2-highgpu-1g, e2-standard-8).
const MACHINE_TYPE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/;
const SIZE = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/;

/** The single band of today's configuration: every size trains on `machineType`. */
export const singleBand = (machineType: string): MachineBand[] => [{ upToBytes: Infinity, machineType }];

function parseSize(text: string, entry: string): number {
  const match = SIZE.exec(text);
  const unit = match ? UNITS.get((match[2] as string).toUpperCase()) : undefined;
  if (!match || unit === undefined) {
    throw new MachineBandsError(`"${entry}": "${text}" is not a size (e.g. 500MB, 2GiB, or * for any size)`);
  }
  const bytes = Number(match[1]) * unit;
  if (!(bytes > 0) || !Number.isFinite(bytes)) throw new MachineBandsError(`"${entry}": the size must be above 0`);
  return bytes;
}

/**
 * Parses the bands. `text` undefined or blank: `singleBand(defaultMachineType)`. Otherwise comma-separated
 * `<size>=<machine type>` entries with increasing sizes, the last one `*=<machine type>` (any larger size).
 */
export function parseMachineBands(text: string | undefined, defaultMachineType: string): MachineBand[] {
  return text === undefined || text.trim() === '' ? singleBand(defaultMachineType) : parseBandEntries(text);
}

/** The configured entries themselves (`text` is not blank); throws MachineBandsError naming the bad entry. */
export function parseBandEntries(text: string): MachineBand[] {
  if (text.trim() === '') throw new MachineBandsError('no bands: expected <size>=<machine type>,…,*=<machine type>');
  const entries = text.split(',').map((e) => e.trim());
  const bands = entries.map((entry, i): MachineBand => {
    const at = entry.indexOf('=');
    if (at < 0) throw new MachineBandsError(`"${entry}": expected <size>=<machine type>`);
    const [size, machineType] = [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
    if (!MACHINE_TYPE.test(machineType)) {
      throw new MachineBandsError(`"${entry}": "${machineType}" is not a machine type (e.g. n1-standard-4)`);
    }
    const last = i === entries.length - 1;
    if (size === '*') {
      if (!last) throw new MachineBandsError(`"${entry}": only the last band can be * (any size)`);
      return { upToBytes: Infinity, machineType };
    }
    if (last) throw new MachineBandsError(`"${entry}": the last band must be *=<machine type> (any larger size)`);
    return { upToBytes: parseSize(size, entry), machineType };
  });
  for (let i = 1; i < bands.length; i++) {
    if ((bands[i] as MachineBand).upToBytes <= (bands[i - 1] as MachineBand).upToBytes) {
      throw new MachineBandsError(`"${entries[i]}": sizes must increase from band to band`);
    }
  }
  return bands;
}

/** The band a dataset of `bytes` bytes falls in: the first whose bound it does not exceed. */
export function bandFor(bands: readonly MachineBand[], bytes: number): MachineBand {
  if (!(bytes >= 0)) throw new MachineBandsError(`a dataset size must be a number of bytes >= 0, got ${bytes}`);
  const band = bands.find((b) => bytes <= b.upToBytes);
  if (!band) throw new MachineBandsError('the bands have no band for every size (the last must be *)');
  return band;
}

/**
 * The machine a run trains on: the one recorded when it entered TRAINING. A record from before the bands existed
 * has none; it trained on the single configured type, `fallback` (TRAINING_MACHINE_TYPE).
 */
export const runTrainingMachine = (r: { training?: { machineType?: string } }, fallback: string): string =>
  r.training?.machineType ?? fallback;
