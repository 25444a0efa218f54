// The reference peer for bench/sync.rs: RECORDS documents x 5 changes each, made in repo A,
// synced to an empty repo B over automerge-repo's Node websocket adapter on loopback. Prints one
// JSON line: {"records":N,"cold_ms":...}. The timer starts when B is created and stops when B
// holds every document with A's heads.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter, WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { WebSocketServer } from "ws";

const records = Number(process.argv[2] || 10000);
const CHANGES = 5;
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
await new Promise((r) => wss.on("listening", r));
const port = wss.address().port;
const a = new Repo({ network: [new WebSocketServerAdapter(wss)], peerId: "a", sharePolicy: async () => true });
const docs = [];
for (let i = 0; i < records; i++) {
  const h = a.create({ kind: "note" });
  for (let c = 0; c < CHANGES; c++) {
    h.change((d) => {
      d["field" + c] = `record ${i} change ${c}: some words of a note that a defender wrote`;
    });
  }
  docs.push(h);
}
const t0 = performance.now();
const b = new Repo({ network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`)], peerId: "b", sharePolicy: async () => true });
await new Promise((r) => b.networkSubsystem.once("peer", r));
const handles = await Promise.all(docs.map((h) => b.find(h.url)));
for (let i = 0; i < handles.length; i++) {
  const want = JSON.stringify(docs[i].heads());
  while (JSON.stringify(handles[i].heads()) !== want) {
    await new Promise((r) => setTimeout(r, 5));
  }
}
const ms = performance.now() - t0;
console.log(JSON.stringify({ records, cold_ms: ms }));
process.exit(0);
