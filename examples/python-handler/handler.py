# An unmodified runpod-python worker: Sluice launches it exactly like a TypeScript one.
# Run it with Sluice by naming it in the config:
#   endpoints:
#     py-echo:
#       workersMin: 1
#       worker: { command: python3, args: [examples/python-handler/handler.py] }
# (pip install runpod first; see README "Running an existing handler.py").
import runpod


def handler(job):
    text = job["input"].get("text", "")
    runpod.serverless.progress_update(job, {"received": len(text)})
    return {"text": text.upper()}


runpod.serverless.start({"handler": handler})
