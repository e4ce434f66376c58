import assert from 'node:assert/strict';
import { DockerfileError, parseDockerfile } from '../../../functions/src/local/dockerfile';

describe('local/dockerfile', () => {
  it('reads each stage: WORKDIR, COPY/ADD with flags, ENV (both forms), exec-form ENTRYPOINT', () => {
    const stages = parseDockerfile(
      [
        'ARG BASE=python:3.11-slim',
        'FROM node:22 AS builder',
        'WORKDIR /app',
        'COPY package.json package-lock.json ./',
        'FROM python:3.11-slim',
        '# a comment',
        'ENV A=1 \\',
        '    B="two words"',
        'ENV LEGACY some value',
        'WORKDIR /srv',
        'WORKDIR app',
        'COPY --chown=1000:1000 requirements.txt ./',
        'COPY --from=builder /app/dist dist',
        'ADD ["src dir/", "lib/"]',
        'ENTRYPOINT ["python", "main.py"]',
      ].join('\n'),
    );
    assert.equal(stages.length, 2);
    assert.equal(stages[0]?.name, 'builder');
    const image = stages[1]!;
    assert.equal(image.workdir, '/srv/app');
    assert.deepEqual(image.env, { A: '1', B: 'two words', LEGACY: 'some value' });
    assert.deepEqual(image.entrypoint, ['python', 'main.py']);
    assert.deepEqual(
      image.copies.map(({ sources, dest, from, workdir }) => ({ sources, dest, from, workdir })),
      [
        { sources: ['requirements.txt'], dest: './', from: undefined, workdir: '/srv/app' },
        { sources: ['/app/dist'], dest: 'dist', from: 'builder', workdir: '/srv/app' },
        { sources: ['src dir/'], dest: 'lib/', from: undefined, workdir: '/srv/app' },
      ],
    );
  });

  it('refuses a shell-form ENTRYPOINT, a COPY without destination and a file without FROM, naming lines', () => {
    assert.throws(
      () => parseDockerfile('FROM x\nENTRYPOINT python main.py\nCOPY onlyone\n', 'D'),
      (err: Error) => {
        assert.ok(err instanceof DockerfileError);
        assert.match(err.message, /^D: line 2: ENTRYPOINT must be the exec form/);
        assert.match(err.message, /line 3: COPY needs a source and a destination/);
        return true;
      },
    );
    assert.throws(() => parseDockerfile('# nothing\n'), /no FROM instruction/);
    assert.throws(() => parseDockerfile('RUN x\nFROM y\n'), /line 1: RUN before the first FROM/);
  });

  it('reads both real trainer Dockerfiles', async () => {
    const { readFile } = await import('node:fs/promises');
    const titanic = parseDockerfile(await readFile('trainer/Dockerfile', 'utf8')).at(-1);
    assert.deepEqual(titanic?.entrypoint, ['node', 'dist/trainer/src/main.js']);
    const diabetes = parseDockerfile(await readFile('examples/diabetes/Dockerfile', 'utf8')).at(-1);
    assert.deepEqual(diabetes?.entrypoint, ['python', 'main.py']);
    assert.equal(diabetes?.workdir, '/app');
    assert.equal(diabetes?.env.PYTHONDONTWRITEBYTECODE, '1');
  });
});
