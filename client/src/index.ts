export { ApiError, createAstraClient, type AstraClient, type AstraClientOptions, type RunHandlers } from './client';
export * from './flow-builder';
export type { App, AskAnswer, AskRequest, ChatMessage, IngestRequest, IngestStatus, PublishRequest, QueryRequest, QueryResult } from './contracts';
export type { FlowGraph, FlowSummary, Run, RunEvent, RunNode, RunSummary, NodeTypeInfo, FlowProblem } from './schemas';
