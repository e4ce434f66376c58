// Remembers which ids a file has used, in bounded memory, to report a repeated id with the row it repeats.
// Whole-number ids (the usual row ids) live in pages of 16,384 slots holding the row (4 bytes an id, so 15 M
// sequential ids take 60 MB); other ids in a Map. Past the budget the check stops and says so (`complete` false).

const PAGE = 16_384;

export class IdTracker {
  private readonly pages = new Map<number, Uint32Array>();
  private readonly others = new Map<string, number>();
  private used = 0;
  /** False once the budget ran out: ids that needed new memory after that were not checked. */
  complete = true;

  constructor(private readonly budgetBytes = 96 * 1024 * 1024) {}

  /** Records `id` for 1-based `row`; returns the earlier row with the same id, if any. */
  see(id: string | number, row: number): number | undefined {
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < 2 ** 40) {
      const key = Math.floor(id / PAGE);
      let page = this.pages.get(key);
      if (!page) {
        if (!this.spend(PAGE * 4)) return undefined;
        page = new Uint32Array(PAGE);
        this.pages.set(key, page);
      }
      const slot = id - key * PAGE;
      const first = page[slot] as number;
      if (first !== 0) return first;
      page[slot] = row;
      return undefined;
    }
    const text = String(id);
    const first = this.others.get(text);
    if (first !== undefined) return first;
    if (!this.spend(64 + text.length * 2)) return undefined;
    this.others.set(text, row);
    return undefined;
  }

  private spend(bytes: number): boolean {
    if (this.used + bytes > this.budgetBytes) return (this.complete = false);
    this.used += bytes;
    return true;
  }
}
