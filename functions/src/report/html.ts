// Safe-by-default HTML building: the `markup` tag escapes every interpolated value unless it is already SafeHtml, so a
// dataset named `<script>…</script>.csv` can only ever appear as text. Number formatting for the report lives here too.

/** A fragment of markup that has already been escaped (or built from escaped parts). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Template tag: literal parts are trusted markup, every `${value}` is escaped (arrays are joined, nullish is empty).
 * Named `markup` rather than `html` so prettier leaves the templates as written instead of reflowing them.
 */
export function markup(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => (out += render(v) + (strings[i + 1] ?? '')));
  return new SafeHtml(out);
}

/** Marks markup built elsewhere as trusted; only for constants (the stylesheet), never for data. */
export const trusted = (markup: string): SafeHtml => new SafeHtml(markup);

/** The URL if it is http(s), else undefined: a record could hold `javascript:` and an href must never run code. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** A link when the URL is http(s), the URL as plain text otherwise, an em dash when missing. */
export function link(url: string | undefined, label = url): SafeHtml {
  const href = safeHref(url);
  if (href) return markup`<a href="${href}" rel="noreferrer noopener">${label}</a>`;
  return url ? markup`<code>${url}</code>` : DASH;
}

export const DASH = new SafeHtml('<span class="muted">—</span>');

/** A figure with `digits` decimals, or a dash when missing or not finite. */
export function num(v: number | null | undefined, digits = 3): SafeHtml | string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : DASH;
}

/** USD with 4 decimals (estimates are often fractions of a cent), or a dash. */
export function usd(v: number | null | undefined): SafeHtml | string {
  return typeof v === 'number' && Number.isFinite(v) ? `$${v.toFixed(4)}` : DASH;
}

/** Bytes in B/KiB/MiB/GiB, one decimal above bytes. */
export function bytes(n: number | undefined): SafeHtml | string {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A duration in ms as "850 ms", "42 s", "3 min 05 s" or "2 h 07 min". */
export function duration(ms: number | undefined): SafeHtml | string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}
