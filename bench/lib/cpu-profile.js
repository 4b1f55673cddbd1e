// Reads the .cpuprofile files `node --cpu-prof` wrote and lists the frames with the most self time, and the
// Sluice functions with the most inclusive time (themselves plus what they call): where a missed target goes.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './sluice-server.js';

/**
 * Over every profile in `dir`: { self: top `limit` frames by self time, inclusive: top `limit` Sluice
 * functions by inclusive time }, each [{ frame, ms, percent }] with percent of the non-idle samples.
 */
export function topFrames(dir, limit = 15) {
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    profile.samples.forEach((id, i) => {
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const frame = label(nodes.get(id).callFrame);
      if (frame === '(idle)') return;
      total += ms;
      self.set(frame, (self.get(frame) ?? 0) + ms);
      const seen = new Set();
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const name = label(nodes.get(at).callFrame);
        if (name.includes(' server:') && !seen.has(name)) {
          seen.add(name);
          inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
        }
      }
    });
  }
  const top = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([frame, ms]) => ({ frame, ms: Math.round(ms), percent: Math.round((ms / total) * 1000) / 10 }));
  return { self: top(self), inclusive: top(inclusive) };
}

function label({ functionName, url, lineNumber }) {
  if (!url) return functionName || '(anonymous)';
  const path = url.startsWith('file://') ? relative(REPO_ROOT, new URL(url).pathname) : url;
  const short = path.replace(/^node_modules\//, '').replace(/^packages\/server\/dist\//, 'server:');
  return `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
}
