"""
Example endpoint `py-stream`: an unmodified runpod-python worker that Sluice launches like a TypeScript one.

An async generator handler: each `yield` is one /stream item, and with `return_aggregate_stream` the final
/status output is the list of every item. It reports progress before each token, and stops where it waits
when the job is cancelled or times out (runpod-python cancels the handler's task).

Input: {"text": "...", "delayMs"?: number}

Run it (docs/workers.md has the details):
  python3 -m venv examples/python-handler/.venv
  examples/python-handler/.venv/bin/pip install -r examples/python-handler/requirements.txt
  examples/python-handler/.venv/bin/python examples/python-handler/handler.py \
      --test_input '{"input": {"text": "hello from python"}}'
and under Sluice, with this endpoint in the config:
  py-stream:
    workersMin: 1
    worker: { command: examples/python-handler/.venv/bin/python, args: [examples/python-handler/handler.py] }
"""

import asyncio

import runpod


async def handler(job):
    job_input = job["input"]
    text = job_input.get("text")
    if not isinstance(text, str):
        # Raised errors reach the client as the job's `error`, like any runpod-python failure.
        raise ValueError("input.text must be a string")
    delay_ms = job_input.get("delayMs", 50)
    tokens = text.split()
    for index, token in enumerate(tokens):
        # Shown by /status while the job runs: {"status": "IN_PROGRESS", "output": {...}}.
        runpod.serverless.progress_update(job, {"token": index + 1, "of": len(tokens)})
        if isinstance(delay_ms, (int, float)) and delay_ms > 0:
            # A cancel or timeout raises asyncio.CancelledError here; letting it propagate stops the job.
            await asyncio.sleep(delay_ms / 1000)
        yield token


runpod.serverless.start({"handler": handler, "return_aggregate_stream": True})
