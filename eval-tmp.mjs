import { WebSocket } from 'ws';
const ws = new WebSocket(process.argv[2]);
ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: process.argv[3], returnByValue: true } })));
ws.on('message', (m) => { const msg = JSON.parse(m); if (msg.id === 1) { console.log(JSON.stringify(msg.result).slice(0, 3000)); process.exit(0); } });
