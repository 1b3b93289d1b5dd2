/** Injection token of the sample app's {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
