// The report's stylesheet, inlined in <style>: system fonts only, no external resource, prints cleanly.

/** Badge colours per run state: [background, text]. In-progress states share the blue one. */
export const STATE_COLOURS: Readonly<Record<string, readonly [string, string]>> = {
  DEPLOYED: ['#dcfce7', '#166534'],
  HELD: ['#fef3c7', '#92400e'],
  FAILED: ['#fee2e2', '#991b1b'],
  REJECTED: ['#fee2e2', '#991b1b'],
  RECEIVED: ['#dbeafe', '#1e40af'],
  BUILDING: ['#dbeafe', '#1e40af'],
  TRAINING: ['#dbeafe', '#1e40af'],
  DEPLOYING: ['#dbeafe', '#1e40af'],
};
export const NEUTRAL_COLOURS = ['#e2e8f0', '#334155'] as const;

export const STYLESHEET = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f1f5f9; color: #0f172a;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 28px 24px 40px; }
header.top { background: #0f172a; color: #f8fafc; border-radius: 14px; padding: 22px 26px; margin-bottom: 18px; }
header.top .eyebrow { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: #94a3b8; }
header.top h1 { margin: 4px 0 6px; font-size: 22px; font-weight: 650; display: flex; align-items: center; gap: 12px;
  flex-wrap: wrap; word-break: break-all; }
header.top .meta { color: #cbd5e1; font-size: 13px; }
header.top .meta span + span::before { content: "·"; margin: 0 8px; color: #64748b; }
.badge { display: inline-block; padding: 3px 10px; border-radius: 999px; font-size: 12px; font-weight: 700;
  letter-spacing: .04em; white-space: nowrap; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(168px, 1fr)); gap: 12px; margin-bottom: 18px; }
.tile { background: #fff; border: 1px solid #e2e8f0; border-radius: 12px; padding: 14px 16px; }
.tile .k { font-size: 12px; color: #64748b; text-transform: uppercase; letter-spacing: .06em; }
.tile .v { font-size: 23px; white-space: nowrap; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; }
.tile .s { font-size: 12px; color: #64748b; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 12px; padding: 18px 22px; margin-bottom: 16px; }
section h2 { font-size: 15px; margin: 0 0 12px; font-weight: 650; }
section h3 { font-size: 13px; margin: 14px 0 6px; color: #475569; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid #f1f5f9; vertical-align: top; }
thead th { font-size: 12px; color: #64748b; font-weight: 600; border-bottom: 1px solid #e2e8f0; }
td.n, th.n { text-align: right; }
table.kv th { width: 180px; color: #475569; font-weight: 500; }
td code, li code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; justify-content: space-around; margin-top: 14px; }
figure { margin: 0; text-align: center; }
figcaption { font-size: 12px; color: #64748b; margin-top: 4px; }
.chart { max-width: 100%; height: auto; }
.callout { border-radius: 10px; padding: 12px 14px; margin-bottom: 12px; }
.callout.ok { background: #f0fdf4; border: 1px solid #bbf7d0; }
.callout.warn { background: #fffbeb; border: 1px solid #fde68a; }
.callout.bad { background: #fef2f2; border: 1px solid #fecaca; }
.callout strong { display: block; margin-bottom: 2px; }
ul.plain { margin: 6px 0 0; padding-left: 20px; }
.muted { color: #94a3b8; }
.notes { font-size: 12.5px; color: #475569; margin: 10px 0 0; padding-left: 18px; }
a { color: #1d4ed8; }
footer { text-align: center; font-size: 12px; color: #94a3b8; margin-top: 20px; }
@media print { body { background: #fff; } section, .tile { break-inside: avoid; } }
`;
