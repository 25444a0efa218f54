// A minimal W3C WebDriver client over Node's fetch: just what the end-to-end test needs.
import { execFileSync } from "node:child_process";

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, application) {
    const res = await send(base, "POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application } } },
    });
    return new Session(base, res.sessionId);
  }

  cmd(method, path, body) {
    return send(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const el = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return Object.values(el)[0];
  }

  async findAll(css) {
    const els = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return els.map((e) => Object.values(e)[0]);
  }

  /** Waits until `css` matches an element (and `test(element)` holds, if given); liveness only. */
  async waitFor(css, what = css, test = async () => true, ms = 30_000) {
    const until = Date.now() + ms;
    let last;
    while (Date.now() < until) {
      try {
        const el = await this.find(css);
        if (await test(el)) return el;
      } catch (e) {
        last = e;
      }
      await sleep(150);
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
  }

  async waitForText(css, fragment, ms) {
    return this.waitFor(css, `${css} to contain "${fragment}"`, async (el) => (await this.text(el)).includes(fragment), ms);
  }

  async click(css) {
    const el = typeof css === "string" ? await this.waitFor(css) : css;
    await this.cmd("POST", `/element/${el}/click`, {});
    return el;
  }

  async type(css, text) {
    const el = await this.waitFor(css);
    await this.cmd("POST", `/element/${el}/clear`, {});
    await this.cmd("POST", `/element/${el}/value`, { text });
    return el;
  }

  async text(el) {
    return this.cmd("GET", `/element/${el}/text`);
  }

  async attr(el, name) {
    return this.cmd("GET", `/element/${el}/attribute/${name}`);
  }

  async run(script, ...args) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** Presses a key chord through the Actions API, as a user would (e.g. Ctrl+K). */
  async chord(modifier, key) {
    const down = (value) => ({ type: "keyDown", value });
    const up = (value) => ({ type: "keyUp", value });
    await this.cmd("POST", "/actions", {
      actions: [{ type: "key", id: "keyboard", actions: [down(modifier), down(key), up(key), up(modifier)] }],
    });
    await this.cmd("DELETE", "/actions");
  }

  /** Presses keys one after the other through the Actions API (e.g. ARROW.down). */
  async keys(...values) {
    const actions = values.flatMap((value) => [{ type: "keyDown", value }, { type: "keyUp", value }]);
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  /** A PNG of the window. WebKitGTK takes the snapshot at the next paint, and a still page never
   *  paints again: an invisible opacity flicker (1 <-> 0.999) keeps it painting meanwhile. */
  async screenshot() {
    await this.run(`window.__e2ePaint = setInterval(() => {
      document.body.style.opacity = document.body.style.opacity === "0.999" ? "1" : "0.999"; }, 40);`);
    try {
      return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
    } finally {
      await this.run(`clearInterval(window.__e2ePaint); document.body.style.opacity = "";`);
    }
  }

  async close() {
    await this.cmd("DELETE", "");
  }
}

export const CTRL = "\uE009";
export const ARROW = { left: "\uE012", up: "\uE013", right: "\uE014", down: "\uE015" };
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function send(base, method, path, body) {
  if (process.env.E2E_TRACE) console.log(new Date().toISOString(), method, path, body ? JSON.stringify(body).slice(0, 80) : "");
  const res = await fetch(base + path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || (json.value && json.value.error)) {
    const v = json.value || {};
    throw new Error(`${method} ${path}: ${v.error || res.status} ${v.message || ""}`.trim());
  }
  return json.value;
}

/** Runs xdotool on the display the apps run on and returns what it printed (it throws when
 *  xdotool fails, e.g. a search that finds nothing). */
export function xdotool(...args) {
  return execFileSync("xdotool", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
}

/** Answers the GTK file dialog the app opened (the shell's, not the page's: WebDriver cannot reach
 *  it), as a person does with the keyboard: waits for the window titled `title` (a regular
 *  expression), focuses it, types `path` into its location field when given (an open dialog), and
 *  presses Enter (a save dialog keeps the name and folder it suggests). Needs xdotool and the
 *  display the app runs on. */
export async function answerFileDialog(title, path = null, ms = 20_000) {
  const x = xdotool;
  const end = Date.now() + ms;
  let id = "";
  while (!id) {
    try {
      id = x("search", "--onlyvisible", "--name", title).trim().split("\n")[0];
    } catch {
      id = "";
    }
    if (!id) {
      if (Date.now() > end) throw new Error(`no file dialog titled ${title} appeared`);
      await sleep(150);
    }
  }
  await sleep(500); // the dialog draws its folder before it takes keys
  x("windowfocus", "--sync", id);
  if (path) {
    x("key", "--clearmodifiers", "ctrl+l");
    await sleep(200);
    x("type", "--delay", "15", path);
    await sleep(300);
  }
  x("key", "--clearmodifiers", "Return");
}

/** Whether a visible window titled `title` (a regular expression) is on the display now. */
export async function windowShown(title) {
  try {
    return xdotool("search", "--onlyvisible", "--name", title).trim() !== "";
  } catch {
    return false;
  }
}
