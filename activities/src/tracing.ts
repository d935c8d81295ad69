// OpenTelemetry tracing for the server and the worker, exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the standard OTEL_* variables itself).
// Without it nothing is registered and every span is the API's no-op, so tracing costs nothing.
import { createRequire } from 'node:module';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export interface Tracing {
  /** Exports spans; workflow spans reach it through the SDK's exporter sink. */
  processor: SpanProcessor;
  resource: Resource;
  /** Whether spans leave the process (an OTLP endpoint is configured). */
  exporting: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string, env: NodeJS.ProcessEnv): Tracing {
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || serviceName });
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    const processor = new NoopSpanProcessor();
    return { processor, resource, exporting: false, forceFlush: async () => {}, shutdown: async () => {} };
  }
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global provider, AsyncLocalStorage context and W3C trace-context propagation, so spans nest across awaits.
  provider.register();
  return { processor, resource, exporting: true, forceFlush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

/** The Temporal SDK's OpenTelemetry workflow interceptors, bundled with the workflows (their spans leave through a sink). */
export const otelWorkflowInterceptorPath = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
