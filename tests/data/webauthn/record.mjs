#!/usr/bin/env node
// Records the WebAuthn messages the unit tests verify (tests/unit/
// test_webauthn.cc): Debian's Chromium with a CDP virtual authenticator
// (ctap2, internal transport, resident keys, user verification) registers
// a passkey and signs in with it on http://localhost:PORT, once with an
// ES256 key and once with an EdDSA (Ed25519) key, on a page this script
// serves itself. Writes es256.txt and eddsa.txt beside it: one
// "name=value" a line, binary values in base64url.
//
//   node tests/data/webauthn/record.mjs [--root ROOT]
//
// Run again only to make new recordings; the tests read the files.
import http from "node:http";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.argv[2] === "--root" ? path.resolve(process.argv[3]) : path.join(HERE, "..", "..", "..");
const require = createRequire(path.join(ROOT, "package.json"));
const { chromium } = require("playwright-core");

// Fixed challenges, so that the tests know what the client data must hold.
const REG_CHALLENGE = Buffer.alloc(32, 0x11);
const GET_CHALLENGE = Buffer.alloc(32, 0x22);
const b64u = (b) => Buffer.from(b).toString("base64url");

const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/html" });
  res.end("<!doctype html><title>record</title><p>recording</p>");
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://localhost:${server.address().port}`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true });
try {
  for (const [name, alg] of [["es256", -7], ["eddsa", -8]]) {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", { options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true } });
    await page.goto(origin + "/");
    const out = await page.evaluate(async ({ alg, reg, get }) => {
      const b = (a) => Uint8Array.from(a);
      const enc = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
        .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const created = await navigator.credentials.create({ publicKey: {
        challenge: b(reg), rp: { id: "localhost", name: "sessionauth" },
        user: { id: b([1, 2, 3, 4, 5, 6, 7, 8]), name: "ada@example.test", displayName: "Ada" },
        pubKeyCredParams: [{ type: "public-key", alg }], attestation: "none",
        authenticatorSelection: { residentKey: "required", userVerification: "preferred" } } });
      const got = await navigator.credentials.get({ publicKey: {
        challenge: b(get), rpId: "localhost", userVerification: "preferred",
        allowCredentials: [{ type: "public-key", id: created.rawId }] } });
      const got2 = await navigator.credentials.get({ publicKey: {
        challenge: b(get), rpId: "localhost", userVerification: "preferred",
        allowCredentials: [{ type: "public-key", id: created.rawId }] } });
      return {
        credential_id: enc(created.rawId),
        reg_client_data: enc(created.response.clientDataJSON),
        attestation_object: enc(created.response.attestationObject),
        get_client_data: enc(got.response.clientDataJSON),
        authenticator_data: enc(got.response.authenticatorData),
        signature: enc(got.response.signature),
        user_handle: enc(got.response.userHandle),
        // A second assertion: its counter is the first one's plus one.
        authenticator_data_2: enc(got2.response.authenticatorData),
        get_client_data_2: enc(got2.response.clientDataJSON),
        signature_2: enc(got2.response.signature),
      };
    }, { alg, reg: [...REG_CHALLENGE], get: [...GET_CHALLENGE] });
    const lines = [`origin=${origin}`, "rp_id=localhost", `reg_challenge=${b64u(REG_CHALLENGE)}`,
      `get_challenge=${b64u(GET_CHALLENGE)}`, ...Object.entries(out).map(([k, v]) => `${k}=${v}`)];
    writeFileSync(path.join(HERE, `${name}.txt`), lines.join("\n") + "\n");
    console.log(`${name}.txt written`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
