import assert from 'node:assert/strict';
import {
  bytes,
  duration,
  escapeHtml,
  markup,
  link,
  num,
  safeHref,
  SafeHtml,
  usd,
} from '../../../functions/src/report/html';

describe('report/html', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  describe('the markup tag', () => {
    it('escapes interpolated strings but keeps its literal markup', () => {
      assert.equal(markup`<p>${'<script>alert(1)</script>'}</p>`.value, '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    });
    it('passes SafeHtml through, joins arrays, drops null/undefined/false, prints numbers', () => {
      const inner = markup`<b>${'x&y'}</b>`;
      assert.ok(inner instanceof SafeHtml);
      assert.equal(
        markup`${inner}|${['<', inner]}|${null}${undefined}${false}|${0}|${1.5}`.value,
        '<b>x&amp;y</b>|&lt;<b>x&amp;y</b>||0|1.5',
      );
    });
    it('escapes quotes inside attribute values', () => {
      assert.equal(markup`<a title="${'" onmouseover="x'}"></a>`.value, '<a title="&quot; onmouseover=&quot;x"></a>');
    });
  });

  describe('safeHref / link', () => {
    for (const bad of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,<b>',
      'gs://bucket/x',
      'not a url',
      '',
    ])
      it(`refuses ${JSON.stringify(bad)} as a link target`, () => {
        assert.equal(safeHref(bad), undefined);
        assert.doesNotMatch(link(bad).value, /<a /);
      });
    it('links http(s) URLs and escapes the label', () => {
      assert.equal(
        safeHref('https://console.cloud.google.com/x?a=1&b=2'),
        'https://console.cloud.google.com/x?a=1&b=2',
      );
      assert.equal(
        link('https://e.test/a?b=1&c=2', '<log>').value,
        '<a href="https://e.test/a?b=1&amp;c=2" rel="noreferrer noopener">&lt;log&gt;</a>',
      );
    });
    it('shows a non-http URL as code text', () => {
      assert.equal(link('gs://b/<x>').value, '<code>gs://b/&lt;x&gt;</code>');
    });
  });

  describe('formatting', () => {
    const text = (v: unknown): string => String(v);
    const cases: [string, unknown, string][] = [
      ['num 3 decimals', num(0.842697), '0.843'],
      ['num 4 decimals', num(0.5, 4), '0.5000'],
      ['usd', usd(0.0529), '$0.0529'],
      ['bytes', bytes(512), '512 B'],
      ['KiB', bytes(61194), '59.8 KiB'],
      ['MiB', bytes(5 * 1024 * 1024), '5.0 MiB'],
      ['ms', duration(353), '353 ms'],
      ['seconds', duration(42_400), '42 s'],
      ['minutes', duration(185_000), '3 min 05 s'],
      ['hours', duration(7_620_000), '2 h 07 min'],
    ];
    for (const [name, got, want] of cases) it(`formats ${name} as ${want}`, () => assert.equal(text(got), want));

    for (const [name, got] of [
      ['num(null)', num(null)],
      ['num(NaN)', num(Number.NaN)],
      ['usd(null)', usd(null)],
      ['bytes(-1)', bytes(-1)],
      ['duration(undefined)', duration(undefined)],
      ['duration(-5)', duration(-5)],
    ] as const)
      it(`shows ${name} as a dash`, () => assert.match(text(got), /—/));
  });
});
