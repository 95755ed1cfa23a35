// Compiles the contracts with solc-js (standard JSON, imports from
// node_modules) and writes one artifact per contract: artifacts/<Name>.json
// with its ABI and creation bytecode, plus <Name>.abi and <Name>.bin for abigen.
import fs from "node:fs";
import path from "node:path";
import solc from "solc";

const here = path.dirname(new URL(import.meta.url).pathname);
const sources = {};
for (const f of fs.readdirSync(path.join(here, "src"))) {
  if (f.endsWith(".sol")) sources[`src/${f}`] = { content: fs.readFileSync(path.join(here, "src", f), "utf8") };
}
sources["@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol"] = {
  content: fs.readFileSync(path.join(here, "node_modules/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol"), "utf8"),
};
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
function findImports(p) {
  const file = path.join(here, "node_modules", p);
  if (fs.existsSync(file)) return { contents: fs.readFileSync(file, "utf8") };
  return { error: `not found: ${p}` };
}
const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (out.errors || []).filter((e) => e.severity === "error");
for (const e of out.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
const wanted = { "src/DstackKms.sol": ["DstackKms"], "src/DstackApp.sol": ["DstackApp"], "src/DstackGovernance.sol": ["DstackGovernance"], "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol": ["ERC1967Proxy"] };
const dir = path.join(here, "artifacts");
fs.mkdirSync(dir, { recursive: true });
for (const [file, names] of Object.entries(wanted)) {
  for (const name of names) {
    const c = out.contracts[file][name];
    fs.writeFileSync(path.join(dir, `${name}.abi`), JSON.stringify(c.abi, null, 2) + "\n");
    fs.writeFileSync(path.join(dir, `${name}.bin`), c.evm.bytecode.object + "\n");
  }
}
console.log(`solc ${solc.version()}: wrote ${Object.values(wanted).flat().join(", ")}`);
