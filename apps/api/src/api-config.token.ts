/** Injection token of the whole validated AppConfig inside the API (read once by main.ts or the launcher). */
export const API_APP_CONFIG = Symbol('API_APP_CONFIG');
