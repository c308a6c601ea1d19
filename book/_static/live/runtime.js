// The live page's Python: Pyodide from the site's own copy, with the sorabook package in it.
//
// `sorabook build` puts the runtime, the package archive and manifest.json in _static/pyodide/
// (sorabook/book/pyodide.py); this module is _static/live/runtime.js, so both are found relative
// to it, from any page. Nothing is fetched from another host and no Pyodide package is loaded:
// the standard library and the package's own pure-Python modules only.
//
//   import { startPython } from "<relative path>/_static/live/runtime.js";
//   const pyodide = await startPython((phase, detail) => { ... });
//   pyodide.runPython("import sorabook.model.latent as L; L.tokens_per_latent_frame(1280, 720, 8, 2)");
//
// Phases, in order: "check", "runtime" (Pyodide and the standard library), "package" (the
// archive fetched and checked), "unpack", "ready". Rejects with an Error whose message is a
// plain sentence for a reader.

const RUNTIME_DIR = new URL("../pyodide/", import.meta.url);
// Where the package archive is unpacked inside Pyodide's file system; put first on sys.path.
const PACKAGE_DIR = "/home/pyodide/sorabook-site";

let started = null;  // one runtime per page: later calls get the same one

async function fetchOk(url, what) {
  let response;
  try {
    response = await fetch(url, { cache: "no-cache" });
  } catch (err) {
    throw new Error(`Could not load ${what} from this site (${err.message}).`);
  }
  if (!response.ok) throw new Error(`Could not load ${what} from this site (HTTP ${response.status}).`);
  return response;
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function start(onProgress) {
  const say = (phase, detail) => { if (onProgress) onProgress(phase, detail); };
  say("check");
  if (location.protocol === "file:") {
    throw new Error("The live page needs the site served over HTTP: opened as a file, the browser "
                    + "refuses to load Python. Serve the folder (python3 -m http.server) and open it from there.");
  }
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    throw new Error("This browser cannot run WebAssembly, which the live page needs to run Python.");
  }
  const manifest = await (await fetchOk(new URL("manifest.json", RUNTIME_DIR), "the runtime's manifest")).json();

  say("runtime", `Pyodide ${manifest.pyodide}, Python ${manifest.python}`);
  const { loadPyodide } = await import(new URL("pyodide.mjs", RUNTIME_DIR).href);
  const pyodide = await loadPyodide({
    indexURL: RUNTIME_DIR.href,
    lockFileURL: new URL("pyodide-lock.json", RUNTIME_DIR).href,
    packages: [],
    checkAPIVersion: true,
  });

  say("package", `${manifest.package.bytes} bytes`);
  const archive = await (await fetchOk(new URL(manifest.package.file, RUNTIME_DIR), "the sorabook package")).arrayBuffer();
  if (globalThis.crypto && crypto.subtle) {  // secure contexts only (https, localhost)
    const got = await sha256Hex(archive);
    if (got !== manifest.package.sha256) {
      throw new Error("The sorabook package on this site does not match its manifest (a partial or "
                      + "mixed upload?); reload the page, or rebuild the site.");
    }
  }

  say("unpack");
  pyodide.unpackArchive(archive, "zip", { extractDir: PACKAGE_DIR });
  pyodide.runPython(`import importlib, sys
if ${JSON.stringify(PACKAGE_DIR)} not in sys.path:
    sys.path.insert(0, ${JSON.stringify(PACKAGE_DIR)})
importlib.invalidate_caches()`);

  say("ready", `Python ${manifest.python}`);
  return pyodide;
}

/**
 * Start Python in this page once: resolves to the Pyodide instance with `sorabook` importable.
 * `onProgress(phase, detail)` is called as each phase begins. A failure rejects with a plain
 * message; a later call then tries again.
 */
export function startPython(onProgress) {
  if (!started) {
    started = start(onProgress).catch((err) => {
      started = null;
      throw err instanceof Error ? err : new Error(String(err));
    });
  }
  return started;
}
