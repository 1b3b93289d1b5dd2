import { Module } from '@nestjs/common';
import { PerfHealthModule } from '@nest-perf/health';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';

/** `/health` for load balancers and orchestrators: pool, cache and memory. */
@Module({
  imports: [TerminusModule, PerfHealthModule],
  controllers: [HealthController],
})
export class HealthModule {}
