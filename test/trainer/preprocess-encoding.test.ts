import assert from 'node:assert/strict';
import { validateDataset } from '../../trainer/src/preprocess';

const CSV =
  'PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked\r\n1,0,3,"Braund, Mr. Owen Harris",male,22,1,0,A/5 21171,7.25,,S\r\n';
const reasons = (bytes: Buffer) => validateDataset(bytes).problems.map((p) => p.message);

describe('preprocess: files that are not UTF-8', () => {
  it('calls UTF-16 (with its byte order mark) UTF-16 text, not binary', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(CSV, 'utf16le').swap16()]);
    assert.deepEqual(reasons(le), [
      'the file is UTF-16 LE text (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV',
    ]);
    assert.match(reasons(be)[0] as string, /UTF-16 BE text/);
  });

  it('names the first invalid byte and its line for Latin-1 and Windows-1252 text', () => {
    const latin1 = Buffer.from(CSV.replace('Harris', 'Harrís'), 'latin1');
    assert.match(reasons(latin1)[0] as string, /^the file is not UTF-8 text: invalid byte 0xed at line 2 /);
    const smart = Buffer.from(CSV.replace('Owen', '\u0001Owen\u0002')).map((b) =>
      b === 1 ? 0x93 : b === 2 ? 0x94 : b,
    );
    assert.match(reasons(Buffer.from(smart))[0] as string, /invalid byte 0x93 at line 2/);
    // A valid multi-byte character before the bad byte does not move the position.
    const mixed = Buffer.concat([Buffer.from(CSV.replace('Owen', 'Öwen')), Buffer.from([0xe9, 0x0d, 0x0a])]);
    assert.match(reasons(mixed)[0] as string, /invalid byte 0xe9 at line 3/);
  });
});

describe('preprocess: line ends', () => {
  const rows = (eol: string, last = eol) =>
    CSV.replace(/\r\n$/, '')
      .split('\r\n')
      .concat(Array.from({ length: 3 }, (_, i) => `${i + 2},1,1,"Doe, Mrs. J",female,30,0,0,X,10,,C`))
      .join(eol) + last;
  it('reads CR-only, LF and CRLF files, and a CRLF file with a LF or blank lines appended', () => {
    for (const text of [
      rows('\r'),
      rows('\n'),
      rows('\r\n'),
      rows('\r\n', '\r\n\n'),
      rows('\r\n', '\r\n\r\n\r\n'),
      rows('\n', '\r\n'),
    ]) {
      assert.equal(
        validateDataset(Buffer.from(text), { requireLabel: false }).problemCount,
        0,
        JSON.stringify(text.slice(-20)),
      );
      assert.equal(validateDataset(Buffer.from(text), { requireLabel: false }).rowCount, 4);
    }
  });
  it('finds a tab delimiter in a CR-only file', () => {
    const tabbed = rows('\r').replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/g, '\t'); // names keep their comma
    assert.match(validateDataset(Buffer.from(tabbed)).problems[0]?.message ?? '', /seems to use tab/);
  });
});
