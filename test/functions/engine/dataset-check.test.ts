import assert from 'node:assert/strict';
import { describeProblem } from '../../../functions/src/engine/dataset-check';

describe('engine/dataset-check', () => {
  const table: [Parameters<typeof describeProblem>[0], string][] = [
    [{ row: 3, column: 'Age', message: 'not a number' }, 'row 3, column Age: not a number'],
    [{ column: 'Survived', message: 'missing column' }, 'column Survived: missing column'],
    [{ row: 7, message: 'wrong number of fields' }, 'row 7: wrong number of fields'],
    [{ message: 'the file is empty' }, 'the file is empty'],
  ];
  for (const [problem, line] of table) it(line, () => assert.equal(describeProblem(problem), line));
});
