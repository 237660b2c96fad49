// A program with no resources: enough for the engine to write checkpoints.
export const answer = 42;
