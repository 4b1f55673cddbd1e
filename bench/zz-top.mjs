import { topFrames } from './lib/cpu-profile.js';
const r = topFrames(process.argv[2], 40);
console.log('SELF'); for (const f of r.self) console.log(String(f.percent).padStart(6), f.frame);
console.log('INCL'); for (const f of r.inclusive) console.log(String(f.percent).padStart(6), f.frame);
