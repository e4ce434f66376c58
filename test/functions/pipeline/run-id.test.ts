import assert from 'node:assert/strict';
import {
  MAX_RUN_ID_LENGTH,
  isRunId,
  runIdForBuild,
  runIdForDataset,
  runIdFromBuild,
} from '../../../functions/src/pipeline/run-id';
import { runBuildTag } from '../../../functions/src/ports';

const CHARSET = /^[a-z0-9-]+$/;

describe('pipeline/run-id', () => {
  const names = [
    'datasets/train.csv',
    'datasets/Titanic Survivors (v2) FINAL!!.csv',
    'datasets/a/very/deep/path/with-a-really-long-file-name-that-goes-on-and-on.csv',
    'datasets/.csv',
    'datasets/___.csv',
    'datasets/Ünïcödé-données.csv',
    'datasets/2026-01-01.csv',
  ];
  for (const name of names) {
    it(`${JSON.stringify(name)} → a valid id`, () => {
      const id = runIdForDataset('data-bucket', name, '1670454587395344');
      assert.match(id, CHARSET);
      assert.ok(id.length <= MAX_RUN_ID_LENGTH, id);
      assert.ok(isRunId(id), id);
      assert.match(runBuildTag(id), /^[\w][\w.-]{0,127}$/, 'Cloud Build tag syntax');
      assert.match(id, /^[a-z0-9]/);
      assert.doesNotMatch(id, /-$/);
    });
  }

  it('is deterministic and differs by bucket, name and generation', () => {
    const a = runIdForDataset('b', 'datasets/train.csv', '1');
    assert.equal(runIdForDataset('b', 'datasets/train.csv', '1'), a);
    const others = [
      runIdForDataset('b2', 'datasets/train.csv', '1'),
      runIdForDataset('b', 'datasets/train2.csv', '1'),
      runIdForDataset('b', 'datasets/train.csv', '2'),
    ];
    assert.equal(new Set([a, ...others]).size, 4);
  });

  it('keeps the file name readable', () => {
    assert.match(runIdForDataset('b', 'datasets/Train Set.csv', '7'), /^train-set-[0-9a-f]{12}$/);
  });

  it('git-push ids are derived from the build id', () => {
    const id = runIdForBuild('3b1d0a7e-5c4f-4f0e-9a55-5b2f1e9d8c7a');
    assert.equal(id, runIdForBuild('3b1d0a7e-5c4f-4f0e-9a55-5b2f1e9d8c7a'));
    assert.notEqual(id, runIdForBuild('another'));
    assert.match(id, /^git-[0-9a-f]{12}$/);
  });

  const fromBuild: [string, string[], Record<string, string>, string | undefined][] = [
    ['run tag', ['vertex-retrain', 'run-train-abc'], {}, 'train-abc'],
    ['_RUN_ID substitution', ['vertex-retrain'], { _RUN_ID: 'train-abc' }, 'train-abc'],
    ['no run id (git push)', ['vertex-retrain'], {}, undefined],
    ['malformed run tag', ['run-Bad_ID'], {}, undefined],
    ['empty run tag', ['run-'], { _RUN_ID: '' }, undefined],
    ['too long', [`run-${'a'.repeat(41)}`], {}, undefined],
  ];
  for (const [what, tags, subs, expected] of fromBuild) {
    it(`runIdFromBuild: ${what}`, () => assert.equal(runIdFromBuild(tags, subs), expected));
  }

  it('isRunId rejects upper case, underscores, edge dashes and over-long ids', () => {
    for (const bad of ['', 'A', 'a_b', '-a', 'a-', 'a'.repeat(41), 'a b']) assert.equal(isRunId(bad), false, bad);
    for (const good of ['a', 'a-b', 'a'.repeat(40), 'git-0123']) assert.equal(isRunId(good), true, good);
  });
});
