// Regenerates getcomposehash.json: what @phala/dstack-sdk's getComposeHash
// hashes (and the hash) for each input below. Run it where the SDK is
// installed:
//
//   npm install @phala/dstack-sdk@0.5.8 && node getcomposehash.cjs > getcomposehash.json
//
// The SDK returns only the hash; the text it hashed is rebuilt here with the
// SDK's own sortObject and JSON.stringify replacer (copied from its
// dist/get-compose-hash.js) and checked against the SDK's hash.
const { getComposeHash } = require("@phala/dstack-sdk/get-compose-hash");
const { createHash } = require("crypto");

function sortObject(obj) {
  if (obj === void 0 || obj === null) return obj;
  if (Array.isArray(obj)) return obj.map(sortObject);
  if (obj && typeof obj === "object" && obj.constructor === Object) {
    return Object.keys(obj).sort().reduce((result, key) => {
      result[key] = sortObject(obj[key]);
      return result;
    }, {});
  }
  return obj;
}
function canonical(v) {
  return JSON.stringify(sortObject(v), (key, value) =>
    typeof value === "number" && (isNaN(value) || !isFinite(value)) ? null : value);
}

const inputs = [
  // an app-compose as the dev stack used to write it, keys unsorted
  '{"manifest_version":2,"name":"hello","runner":"docker-compose","docker_compose_file":"services:\\n  hello:\\n    image: dstack/hello@sha256:0000000000000000000000000000000000000000000000000000000000000000\\n","kms_enabled":true,"gateway_enabled":false,"public_logs":false,"public_sysinfo":false,"allowed_envs":["PORT"],"no_instance_id":false}',
  // HTML characters, line and paragraph separators, controls, DEL, slash
  '{"s":"<script>&amp;</script>","ls":"a\\u2028b\\u2029c","ctl":"\\u0000\\u0001\\u0008\\t\\n\\u000b\\f\\r\\u001f\\u007f","q":"\\"\\\\/"}',
  // unicode keys and values: UTF-16 order puts U+1F600 (D83D DE00) before U+FF5E
  '{"\\uff5e":1,"\\ud83d\\ude00":2,"\\u00e9":3,"e":4,"E":5,"\\u65e5\\u672c":"\\u65e5\\u672c\\u8a9e \\ud83d\\ude00 caf\\u00e9"}',
  // raw (unescaped) UTF-8 in the input
  '{"name":"café ☕ 日本語","z":"😀"}',
  // keys that are array indices come first, in numeric order
  '{"b":1,"10":2,"9":3,"0":4,"01":5,"-1":6,"1.0":7,"4294967294":8,"4294967295":9,"a":10}',
  // nested objects and arrays
  '{"z":{"y":{"x":[{"b":1,"a":2},[],{}],"w":null},"a":[true,false,null]},"a":{"c":{"e":{},"d":[]}}}',
  // numbers as Number.prototype.toString writes them
  '{"n":[1.0,1e21,1e20,1E2,1e-7,0.000001,-0,0.1,123456789012345678901,5e-324,1.7976931348623157e308,9007199254740993,-1.5e-10,2.50,100e-2,0.30000000000000004]}',
  // whitespace everywhere
  ' { "b" : [ 1 , 2 ] ,\n\t"a" : { } } ',
  '[]', '"top"', '12', 'null',
];

const out = inputs.map((input) => {
  const parsed = JSON.parse(input);
  const text = canonical(parsed);
  const hash = getComposeHash(parsed);
  if (createHash("sha256").update(text, "utf8").digest("hex") !== hash) {
    throw new Error("the rebuilt canonical text does not hash to getComposeHash for " + input);
  }
  return { input, canonical: text, hash };
});
process.stdout.write(JSON.stringify({ sdk: "@phala/dstack-sdk@0.5.8", cases: out }, null, 2) + "\n");
