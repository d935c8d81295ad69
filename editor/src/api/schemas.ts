// The answers' schemas live with the shared client (@astra/client), so every surface parses with the same ones.
export * from '@astra/client/schemas';
