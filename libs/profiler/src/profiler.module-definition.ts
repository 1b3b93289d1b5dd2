import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { QueryProfilerOptions } from './interfaces/profiler-options.interface';

/** @internal */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<QueryProfilerOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();
