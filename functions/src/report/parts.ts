// Small building blocks shared by the report sections.
import { markup, type SafeHtml } from './html';
import { NEUTRAL_COLOURS, STATE_COLOURS } from './styles';

export type Rows = [string, unknown][];

/** A two-column key/value table; rows whose value is undefined are left out. */
export function kv(rows: Rows): SafeHtml {
  const kept = rows.filter(([, v]) => v !== undefined);
  return markup`<table class="kv">
    <tbody>
      ${kept.map(
        ([k, v]) =>
          markup`<tr>
            <th>${k}</th>
            <td>${v}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export const code = (v: string | number | undefined): SafeHtml | undefined =>
  v === undefined || v === '' ? undefined : markup`<code>${v}</code>`;

/** The run state as a coloured pill (green deployed, amber held, red failed/rejected, blue in progress). */
export function badge(state: string): SafeHtml {
  const [bg, fg] = STATE_COLOURS[state] ?? NEUTRAL_COLOURS;
  return markup`<span class="badge" data-state="${state}" style="background:${bg};color:${fg}">${state}</span>`;
}
