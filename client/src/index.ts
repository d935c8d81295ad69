export { ApiError, createAstraClient, type AstraClient, type AstraClientOptions, type RunHandlers, type TurnHandlers } from './client';
export * from './flow-builder';
export type { App, AskAnswer, AskRequest, ChatApp, ChatMessage, Conversation, IngestRequest, IngestStatus, PublishRequest, QueryRequest, QueryResult } from './contracts';
export type { FlowGraph, FlowSummary, Run, RunEvent, RunNode, RunSummary, RunTraining, NodeTypeInfo, FlowProblem } from './schemas';
export * from './loss-curve';
