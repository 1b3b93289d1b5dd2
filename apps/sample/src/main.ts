import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfig } from './config/app-config';
import { openDatabase } from './database/database';
import { SampleLinks } from './index.controller';
import { FIRST_RUN_DATASET, isEmpty, seedDatabase } from './seed/seed';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const dataSource = await openDatabase(config.database);
  if (await isEmpty(dataSource)) {
    const started = performance.now();
    const counts = await seedDatabase(dataSource, FIRST_RUN_DATASET);
    console.log(
      `First run: seeded ${counts.users} users and ${counts.tasks} tasks ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s (npm run seed -- --help for more)`,
    );
  }

  const app = await NestFactory.create(AppModule.forRoot(config, { dataSource }), {
    abortOnError: false,
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    await app.close();
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new StartupError(
        `PORT: ${config.port} is already in use on ${config.host}; set PORT to a free port`,
      );
    }
    throw error;
  }

  const base = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
  const examples = await app.get(SampleLinks).examples();
  console.log(
    [
      '',
      `nest-perf sample app on ${base}  (${config.database.display}; cache: ${config.redisUrl ? 'Redis' : 'in-process memory'})`,
      'Try:',
      `  ${base}/`,
      ...examples.map((path) => `  ${base}${path}`),
      ...(config.metrics !== false && process.env.NODE_ENV !== 'production'
        ? [`Dashboard: ${base}/performance   Prometheus: ${base}/metrics`]
        : []),
      '',
    ].join('\n'),
  );
}

class StartupError extends Error {
  override readonly name = 'StartupError';
}

bootstrap().catch((error: unknown) => {
  const known =
    error instanceof Error &&
    ['ConfigError', 'DatabaseUnavailableError', 'StartupError'].includes(error.name);
  console.error(known ? (error as Error).message : error);
  process.exit(1);
});
