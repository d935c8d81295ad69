export { readSupervisorConfig, repoRoot, ConfigError, type SupervisorConfig } from './config';
export { assertPortFree, freePort } from './ports';
export { spawnService, waitUntil, logTail, type ServiceProcess } from './process';
export { startTemporalDevServer, temporalAnswers, temporalCliPath, type RunningTemporal } from './services/temporal';
export { startEmbeddedPostgres, canQuery, type RunningPostgres } from './services/postgres';
export { startChroma, chromaAnswers, type RunningChroma } from './services/chroma';
export { liveWorkers } from './health';
