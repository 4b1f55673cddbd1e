import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2], target = process.argv[3];
const agg = new Map(); let tot = 0, all = 0;
for (const f of readdirSync(dir).filter(n => n.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const nodes = new Map(p.nodes.map(n => [n.id, n])); const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000; const n = nodes.get(id);
    if (n.callFrame.functionName === '(idle)') return; all += ms;
    if (n.callFrame.functionName !== target) return; tot += ms;
    const chain = []; for (let at = parent.get(id); at !== undefined && chain.length < 7; at = parent.get(at)) { const c = nodes.get(at).callFrame; chain.push(`${c.functionName||'anon'}@${(c.url||'').split('/').slice(-2).join('/')}:${c.lineNumber+1}`); }
    const k = chain.join(' < '); agg.set(k, (agg.get(k) ?? 0) + ms);
  });
}
console.log(`${target}: ${tot.toFixed(0)} ms of ${all.toFixed(0)} ms`);
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(v.toFixed(0).padStart(6), k);
