import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { OpsModule } from './fixtures/readme-ops.module';

const ROOT = join(__dirname, '..');

/** The code block that follows `marker` in README.md. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`no ts block after ${marker}`);
  return block[1];
}

describe("README's /health + /performance snippet", () => {
  let dir: string;
  let app: INestApplication;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-perf-readme-'));
    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: join(dir, 'app.sqlite') }),
        OpsModule,
      ],
    })
    class ExistingAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ExistingAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the fixture booted here, word for word, and under 10 lines after the imports', () => {
    const snippet = readmeBlock('<!-- readme-ops-snippet -->');
    const fixture = readFileSync(join(__dirname, 'fixtures', 'readme-ops.module.ts'), 'utf8');
    expect(snippet).toBe(fixture);
    const code = snippet.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('import '));
    expect(code.length).toBeLessThan(10);
  });

  it('answers /health, /performance and /metrics when imported into an existing app', async () => {
    const health = await request(app.getHttpServer()).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', info: { db: { status: 'up' } } });
    await request(app.getHttpServer()).get('/performance').expect(200);
    const stats = await request(app.getHttpServer()).get('/performance/http/stats').expect(200);
    expect(stats.body.routes).toEqual([
      expect.objectContaining({ method: 'GET', route: '/health', count: 1 }),
    ]);
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toContain('nest_perf_http_request_duration_seconds_count{');
  });
});
