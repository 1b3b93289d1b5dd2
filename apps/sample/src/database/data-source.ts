/**
 * The sample app's DataSource, configured from DATABASE_URL, for tools that load one from a
 * file: the TypeORM CLI (`npx typeorm migration:show -d apps/sample/dist/database/data-source.js`)
 * and the nest-perf index advisor.
 */
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from './database';

export default new DataSource(dataSourceOptions(loadConfig().database));
