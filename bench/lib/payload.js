// The job every scenario submits: one /run body (about 300 bytes, a typical small inference request), used
// unchanged by the bare node:http ceiling so both servers read and parse the same bytes.

export const RUN_BODY = JSON.stringify({
  input: {
    prompt: 'Summarize the following paragraph in one sentence. '.repeat(4).trim(),
    max_tokens: 64,
    temperature: 0.7,
    seed: 42,
  },
});

export const RUN_BYTES = Buffer.byteLength(RUN_BODY);
