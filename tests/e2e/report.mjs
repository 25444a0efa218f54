// What both end-to-end runs share: named steps that stop the run at the first failure,
// screenshots into the artifacts folder, and the canary scan of a throw-away HOME.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Steps and screenshots of one run; `results` feeds its summary line. */
export function reporter(artifacts) {
  const results = [];
  function step(name, ok, detail = "") {
    results.push({ name, ok });
    console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` (${detail})` : ""}`);
    if (!ok) throw new Error(`${name} failed${detail ? `: ${detail}` : ""}`);
  }
  async function shot(s, name) {
    writeFileSync(join(artifacts, `${name}.png`), await s.screenshot());
  }
  return { results, step, shot };
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) yield* files(p);
    else if (st.isFile()) yield p;
  }
}

/** Every file under `home` searched for each canary (UTF-8, UTF-16LE, lower case). */
export function scanForCanaries(home, canaries) {
  const needles = canaries.flatMap((c) => [Buffer.from(c, "utf8"), Buffer.from(c, "utf16le"), Buffer.from(c.toLowerCase(), "utf8")]);
  let count = 0;
  const found = [];
  for (const f of files(home)) {
    count++;
    const bytes = readFileSync(f);
    for (const n of needles) if (bytes.includes(n)) found.push(`${f}: ${n.toString("utf8").replace(/\0/g, "")}`);
  }
  return { count, found };
}

/** Every key file or database file of a vault under `home` (what a panic wipe must leave none of). */
export function* vaultFiles(home) {
  for (const f of files(home)) {
    const name = f.split("/").pop();
    if (/^\.?keyring\.age/.test(name) || /^vault\.db/.test(name)) yield f;
  }
}

