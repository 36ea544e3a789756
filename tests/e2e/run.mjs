#!/usr/bin/env node
// End-to-end tests of sessionauth in a real browser: Debian's Chromium
// (/usr/bin/chromium, headless) driven by playwright-core, with axe-core
// scanning every page. Both come pinned from package-lock.json.
//
//   node tests/e2e/run.mjs --root ROOT --build BUILD [--no-snapshots] [-k WORD]
//
// Starts the site from the programs already built in BUILD with
// tests/e2e/serve_for_e2e.py (lighttpd + maildev, on 127.0.0.1), runs the
// tests below in order (later ones use the account the earlier ones made),
// prints "ok   name" or "FAIL name: reason" for each and ends with the line
// "N passed, N failed". Saves screenshots (1280 and 390 pixels wide) of the
// pages to docs/snapshots/. Exits 1 when a test failed, 2 when the run could
// not start. Every process it starts is stopped by its PID.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { readFileSync, mkdirSync, existsSync, unlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const ROOT = path.resolve(args.root ?? path.join(HERE, "..", ".."));
const BUILD = path.resolve(args.build ?? path.join(ROOT, "build"));
const SNAPSHOTS = path.join(ROOT, "docs", "snapshots");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const EXPIRING_TTL = 4; // seconds: RESET_TOKEN_TTL and EMAIL_CHANGE_TTL of the second site

const require = createRequire(path.join(ROOT, "package.json"));
const { chromium } = require("playwright-core");
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const TEST_TIMEOUT = 180000; // ms one test may take
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

// The account the flows use: fixed, so that the snapshots are the same from
// one run to the next (every run starts with an empty database).
const ADA = { name: "Ada Lovelace", email: "ada.lovelace@example.test", password: "plume orbit lantern 1843" };
const ADA_NEW_NAME = "Ada King";
const ADA_CHANGED = "copper meadow quiet 1852";
const ADA_RESET = "willow harbour signal 1815";

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--root") out.root = argv[++i];
    else if (a === "--build") out.build = argv[++i];
    else if (a === "--no-snapshots") out.noSnapshots = true;
    else if (a === "-k") out.filter = argv[++i];
    else { console.error(`run.mjs: unknown argument ${a}`); process.exit(2); }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Checks

class Failure extends Error {}
function check(cond, message) { if (!cond) throw new Failure(message); }
function checkEq(actual, expected, what) {
  if (actual !== expected) throw new Failure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// The site (serve_for_e2e.py) and the browser

let site = null; // { proc, base, expiring, inbox }
let browserServer = null;
let browser = null;
const started = []; // PIDs this run started, for the last resort in stop()

async function startSite() {
  const proc = spawn("python3", [path.join(HERE, "serve_for_e2e.py"), "--root", ROOT, "--build", BUILD,
    "--expiring-ttl", String(EXPIRING_TTL)], { stdio: ["pipe", "pipe", "inherit"] });
  started.push(proc.pid);
  const lines = createInterface({ input: proc.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("serve_for_e2e.py said nothing within 60 s")), 60000);
    lines.once("line", (line) => { clearTimeout(timer); resolve(line); });
    proc.once("exit", (code) => { clearTimeout(timer); reject(new Error(`serve_for_e2e.py exited with ${code}`)); });
  });
  const info = JSON.parse(first);
  if (info.error) throw new Error(`serve_for_e2e.py: ${info.error}`);
  site = { proc, ...info };
}

async function startBrowser() {
  const flags = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
  if (process.getuid && process.getuid() === 0) flags.push("--no-sandbox");
  // launchServer: the browser process is ours, with a PID to stop it by.
  // Playwright gives it a new, empty profile directory (--user-data-dir).
  browserServer = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: flags });
  started.push(browserServer.process().pid);
  browser = await chromium.connect(browserServer.wsEndpoint());
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function stopAll() {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  try { if (browserServer) await browserServer.close(); } catch { /* already gone */ }
  if (site?.proc && site.proc.exitCode === null) {
    const exited = new Promise((r) => site.proc.once("exit", r));
    site.proc.stdin.end(); // serve_for_e2e.py stops its servers when stdin closes
    await Promise.race([exited, sleep(20000)]);
  }
  for (const pid of started) {
    if (alive(pid)) { try { process.kill(pid, "SIGTERM"); } catch { /* gone */ } }
  }
  await sleep(300);
  for (const pid of started) {
    if (alive(pid)) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  }
}

// A tab in a new browser context (its own cookies): one more person.
async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  return newTab(context);
}

// One more tab in the browser (context) of someone already there.
async function newTab(context) {
  const page = await context.newPage();
  page.cspViolations = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) page.cspViolations.push(msg.text());
  });
  page.on("pageerror", (err) => { page.cspViolations.push(`page error: ${err.message}`); });
  return page;
}

// ---------------------------------------------------------------------------
// Page helpers

const url = (p, base = site.base) => base + p;

async function visit(page, p, base) {
  const response = await page.goto(url(p, base));
  check(response, `no response for ${p}`);
  return response;
}

async function heading(page) {
  return (await page.locator("h1").first().textContent()).trim();
}

async function expectHeading(page, text) {
  checkEq(await heading(page), text, `h1 of ${page.url()}`);
}

async function expectText(page, text, where = "main") {
  const body = await page.locator(where).innerText();
  check(body.includes(text), `${JSON.stringify(text)} not on ${page.url()}: ${JSON.stringify(body.slice(0, 400))}`);
}

async function bodyText(page) { return page.locator("body").innerText(); }

// Fills the fields (by id) and presses the form's submit button; waits for
// the next page.
async function submit(page, fields, button) {
  for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
  const target = button ? page.getByRole("button", { name: button, exact: true }) : page.locator("main form button[type=submit]").first();
  await Promise.all([page.waitForNavigation(), target.click()]);
}

// The error of one field: the input says it is invalid, names the message
// with aria-describedby, and the message is shown.
async function expectFieldError(page, id, message) {
  const input = page.locator(`#${id}`);
  checkEq(await input.getAttribute("aria-invalid"), "true", `aria-invalid of #${id} on ${page.url()}`);
  const described = ((await input.getAttribute("aria-describedby")) ?? "").split(/\s+/).filter(Boolean);
  check(described.length > 0, `#${id} has no aria-describedby`);
  let found = false;
  for (const ref of described) {
    const el = page.locator(`[id="${ref}"]`);
    check(await el.count() === 1, `#${id} aria-describedby names ${ref}, which is not on the page`);
    const text = (await el.innerText()).trim();
    if (text.includes(message)) { found = true; check(await el.isVisible(), `the error of #${id} is hidden`); }
  }
  check(found, `#${id}: no described-by element says ${JSON.stringify(message)}; it says ${JSON.stringify(await Promise.all(described.map((r) => page.locator(`[id="${r}"]`).innerText())))}`);
  // The summary at the top is announced.
  check(await page.locator("main [role=alert]").count() >= 1, `no role=alert error summary on ${page.url()}`);
}

async function expectNoFieldError(page, id) {
  check(await page.locator(`#${id}`).getAttribute("aria-invalid") === null, `#${id} is marked invalid`);
}

async function focusedId(page) { return page.evaluate(() => document.activeElement?.id ?? ""); }

async function expectFocus(page, id) {
  checkEq(await focusedId(page), id, `focused element on ${page.url()}`);
}

async function expectFlash(page, text) {
  const flash = page.locator(".flash[role=status]");
  check(await flash.count() === 1, `no flash message on ${page.url()} (expected ${JSON.stringify(text)})`);
  checkEq((await flash.innerText()).trim(), text, "flash message");
}

// ---------------------------------------------------------------------------
// Accessibility and robustness of one page, as it is shown now

const scanned = new Map(); // page label -> number of axe rules passed

async function audit(page, label, response) {
  // Every page: a Content-Security-Policy that forbids inline script, and no
  // inline script or style in the markup.
  if (response) {
    // From the header; a static page that the server sends without headers
    // (lighttpd's own 413) carries it in a <meta>.
    const csp = (await response.allHeaders())["content-security-policy"] ??
      await page.evaluate(() => document.querySelector("meta[http-equiv=Content-Security-Policy]")?.content ?? "");
    check(/script-src 'self'/.test(csp) || /default-src 'none'/.test(csp), `${label}: CSP allows scripts from elsewhere: ${csp}`);
    check(!/unsafe-inline|unsafe-eval/.test(csp), `${label}: CSP allows inline script: ${csp}`);
  }
  const inline = await page.evaluate(() => ({
    scripts: [...document.scripts].filter((s) => !s.src).length,
    styles: document.querySelectorAll("[style], style").length,
    handlers: [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
  }));
  checkEq(JSON.stringify(inline), JSON.stringify({ scripts: 0, styles: 0, handlers: 0 }), `${label}: inline script/style`);
  check(page.cspViolations.length === 0, `${label}: ${page.cspViolations.join("; ")}`);

  // Every visible field has a label.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select, textarea")]
    .filter((e) => e.type !== "hidden" && !e.hidden && (!e.labels || e.labels.length === 0) && !e.getAttribute("aria-label"))
    .map((e) => e.name || e.id));
  checkEq(unlabelled.join(","), "", `${label}: fields without a label`);

  // axe-core: no serious or critical violation (contrast included). Its
  // source is evaluated through the DevTools protocol, which the page's CSP
  // (rightly) does not let a <script> element do.
  const has = await page.evaluate(() => typeof window.axe === "object");
  if (!has) await page.evaluate(AXE_SOURCE + "\n;void 0");
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"], runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } });
    return { passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) })) };
  });
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const minor = result.violations.filter((v) => !bad.includes(v));
  for (const v of minor) console.log(`#   ${label}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.join(", ")})`);
  check(bad.length === 0, `${label}: axe: ${bad.map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(", ")}`).join("; ")}`);
  scanned.set(label, (scanned.get(label) ?? 0) + 1);
}

// Screenshots of the page as it is: docs/snapshots/<name>-desktop.png and
// <name>-phone.png (whole page).
async function snap(page, name) {
  if (args.noSnapshots) return;
  mkdirSync(SNAPSHOTS, { recursive: true });
  await page.evaluate(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(SNAPSHOTS, `${name}-desktop.png`), fullPage: true, animations: "disabled", caret: "hide" });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(SNAPSHOTS, `${name}-phone.png`), fullPage: true, animations: "disabled", caret: "hide" });
  await page.setViewportSize(DESKTOP);
}

// ---------------------------------------------------------------------------
// Mail, through the development inbox (maildev)

async function inboxMails() {
  const r = await fetch(`${site.inbox}/api/email`);
  check(r.ok, `inbox answered ${r.status}`);
  return r.json();
}

function mailsTo(mails, address) {
  return mails.filter((m) => (m.to ?? []).concat(m.envelope?.to ?? []).some((t) => (t.address ?? "").toLowerCase() === address.toLowerCase()));
}

// Waits for the count-th mail to `address`; between looks a cheap request
// lets the site deliver what is due.
async function waitForMail(address, count, base = site.base, timeout = 20000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = mailsTo(await inboxMails(), address);
    const seen = new Set();
    const unique = found.filter((m) => !seen.has(m.id) && seen.add(m.id));
    if (unique.length >= count) return unique.sort((a, b) => String(a.time).localeCompare(String(b.time)))[count - 1];
    check(Date.now() < deadline, `${unique.length} mails to ${address} after ${timeout / 1000} s, expected ${count}`);
    await fetch(`${base}/login`).catch(() => {});
    await sleep(250);
  }
}

// The link to `where` (a path such as /reset/confirm) in a mail.
function linkIn(mail, where) {
  const text = `${mail.text ?? ""}\n${mail.html ?? ""}`;
  const escaped = where.replace(/[/.]/g, (c) => "\\" + c);
  const m = text.match(new RegExp(`https?://[^\\s"'<>]+?${escaped}\\?token=[A-Za-z0-9_-]+`));
  check(m, `no ${where} link in the mail: ${text.slice(0, 300)}`);
  return m[0];
}

const resetLink = (mail) => linkIn(mail, "/reset/confirm");
const signupLink = (mail) => linkIn(mail, "/register/confirm");

// Signs `who` up at `base` (sign-up confirmed by mail): the form, "check
// your inbox", the link from the mail, the button; ends on the profile
// page, logged in.
async function signUp(p, who, base = site.base) {
  const before = mailsTo(await inboxMails(), who.email).length;
  await visit(p, "/register", base);
  await submit(p, { name: who.name, email: who.email, password: who.password, password_confirm: who.password });
  await expectHeading(p, "Check your inbox");
  await confirmFromInbox(p, who, before + 1, base);
}

// Opens the count-th mail to `who`'s sign-up link and presses the button
// with the password chosen at sign-up.
async function confirmFromInbox(p, who, count, base = site.base) {
  await p.goto(signupLink(await waitForMail(who.email, count, base)));
  await expectHeading(p, "Confirm your email address");
  await submit(p, { password: who.password }, "Create my account");
  check(new URL(p.url()).pathname === "/profile", `after confirming ${who.email}: ${p.url()}`);
}

// Asks for a reset link on the reset request page; returns the link from the
// mail that arrives.
async function askForReset(page, email, base = site.base) {
  const before = mailsTo(await inboxMails(), email).length;
  await visit(page, "/reset", base);
  await submit(page, { email });
  await expectHeading(page, "Check your email");
  return resetLink(await waitForMail(email, before + 1, base));
}

// ---------------------------------------------------------------------------
// The tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
let page; // the main browser tab (one context: Ada's browser)

test("home page, logged out: links, accessible, snapshot", async () => {
  const r = await visit(page, "/");
  await expectHeading(page, "Welcome");
  await expectText(page, "You are not logged in.");
  check(await page.getByRole("link", { name: "Create an account" }).count() === 1, "no register link on the home page");
  await audit(page, "home", r);
  await snap(page, "home");
});

test("unknown page: 404 page is accessible", async () => {
  const r = await visit(page, "/no-such-page");
  checkEq(r.status(), 404, "status of /no-such-page");
  await audit(page, "404", r);
});

test("register: every field error on its field, focus on the first", async () => {
  const r = await visit(page, "/register");
  await expectHeading(page, "Create an account");
  await audit(page, "register", r);
  await snap(page, "register");

  await submit(page, {});
  await expectFieldError(page, "name", "Enter your full name.");
  await expectFieldError(page, "email", "Enter an email address like name@example.com.");
  await expectFieldError(page, "password", "Use at least 12 characters");
  await expectFocus(page, "name");
  await audit(page, "register (errors)");

  await submit(page, { name: ADA.name, email: "not-an-address", password: "short", password_confirm: "short" });
  checkEq(await page.inputValue("#name"), ADA.name, "name kept after an error");
  checkEq(await page.inputValue("#password"), "", "password not sent back");
  await expectNoFieldError(page, "name");
  await expectFieldError(page, "email", "Enter an email address like name@example.com.");
  await expectFieldError(page, "password", "Use at least 12 characters");
  await expectFocus(page, "email");

  await submit(page, { email: ADA.email, password: ADA.password, password_confirm: ADA.password + "x" });
  await expectFieldError(page, "password_confirm", "The two passwords do not match.");
  await expectFocus(page, "password_confirm");

  await submit(page, { email: ADA.email, password: "ada.lovelace 1815 xyz", password_confirm: "ada.lovelace 1815 xyz" });
  await expectFieldError(page, "password", "Don't use your email address or name in your password.");

  await submit(page, { email: ADA.email, password: "password1234", password_confirm: "password1234" });
  const err = await page.locator("#password-error").innerText().catch(() => "");
  check(/common|guess/i.test(err), `a common password is refused with a clear message, got ${JSON.stringify(err)}`);
  await audit(page, "register (password errors)");
});

test("sign-up: check your inbox, confirm first at login, the link again, the button, logged in", async () => {
  const before = mailsTo(await inboxMails(), ADA.email).length;
  await visit(page, "/register");
  await submit(page, { name: ADA.name, email: ADA.email, password: ADA.password, password_confirm: ADA.password });
  await expectHeading(page, "Check your inbox");
  await expectText(page, `We sent a link to ${ADA.email}`);
  await audit(page, "check your inbox");
  await snap(page, "register-sent");
  const first = signupLink(await waitForMail(ADA.email, before + 1));

  // Logging in before the link is opened: a wrong password says nothing more.
  await visit(page, "/login");
  await submit(page, { email: ADA.email, password: "not the password at all" }, "Log in");
  await expectFieldError(page, "password", "The email address or the password is not right.");
  check(!(await bodyText(page)).includes("Confirm your email address first"), "confirm first said after a wrong password");
  await submit(page, { email: ADA.email, password: ADA.password }, "Log in");
  await expectText(page, "Confirm your email address first");
  await audit(page, "login (confirm first)");
  await snap(page, "login-confirm-first");
  await submit(page, {}, "Send the link again");
  await expectHeading(page, "Check your inbox");
  const second = signupLink(await waitForMail(ADA.email, before + 2));
  check(first !== second, "the link sent again is a new one");

  let r = await page.goto(first);
  checkEq(r.status(), 410, "status of the older link");
  await expectHeading(page, "This link cannot be used");
  await expectText(page, "A newer sign-up link was sent for this address after this one");
  await audit(page, "sign-up link superseded", r);
  await snap(page, "signup-invalid");

  r = await page.goto(second);
  await expectHeading(page, "Confirm your email address");
  await expectText(page, ADA.email);
  await audit(page, "confirm sign-up", r);
  await snap(page, "signup-confirm");
  await submit(page, { password: "not the password at all" }, "Create my account");
  await expectFieldError(page, "password", "This is not the password chosen when this account was asked for.");
  await expectFocus(page, "password");
  await audit(page, "confirm sign-up (wrong password)");
  await submit(page, { password: ADA.password }, "Create my account");
  check(new URL(page.url()).pathname === "/profile", `after confirming: ${page.url()}`);
  await expectFlash(page, "Your email address is confirmed and your account is ready. You are logged in.");
  await expectText(page, ADA.email);

  r = await page.goto(second);
  checkEq(r.status(), 410, "status of the used link");
  await expectText(page, "This sign-up link has already been used.");
});

test("sign-up: a taken address gets the same page, and its owner a note", async () => {
  const p = await newPage();
  try {
    const before = mailsTo(await inboxMails(), ADA.email).length;
    await visit(p, "/register");
    await submit(p, { name: "Someone Else", email: ADA.email, password: "another fine passphrase", password_confirm: "another fine passphrase" });
    await expectHeading(p, "Check your inbox");
    await expectText(p, `We sent a link to ${ADA.email}`);
    const note = await waitForMail(ADA.email, before + 1);
    const text = (note.text ?? "").replace(/\s+/g, " ");
    check(text.includes("someone tried to create an account with this address"), `the owner's note: ${text.slice(0, 300)}`);
    check(text.includes("/login") && text.includes("/reset"), "the note links to log in and to reset");
    check(!/\/register\/confirm/.test(`${note.text}${note.html}`), "no sign-up link in the owner's note");
  } finally { await p.context().close(); }
});

test("login: every field error on its field, then logged in", async () => {
  const r = await visit(page, "/login");
  await expectHeading(page, "Log in");
  await audit(page, "login", r);
  await snap(page, "login");

  await submit(page, {});
  await expectFieldError(page, "email", "Enter the email address of your account");
  await expectFieldError(page, "password", "Enter your password.");
  await expectFocus(page, "email");
  await audit(page, "login (errors)");

  await submit(page, { email: ADA.email, password: "not the password at all" });
  await expectFieldError(page, "password", "The email address or the password is not right.");
  checkEq(await page.inputValue("#email"), ADA.email, "email kept after a wrong password");
  await expectFocus(page, "password");

  await submit(page, { email: ADA.email, password: ADA.password });
  check(new URL(page.url()).pathname === "/profile", `after logging in: ${page.url()}`);
  await expectFlash(page, "You are logged in.");
  await expectText(page, ADA.email);
});

test("profile: shown, accessible, snapshot", async () => {
  const r = await visit(page, "/profile");
  await expectHeading(page, "Your profile");
  await expectText(page, ADA.email);
  checkEq(await page.inputValue("#name"), ADA.name, "name field");
  checkEq((await r.allHeaders())["cache-control"], "no-store", "Cache-Control of /profile");
  await audit(page, "profile", r);
  await snap(page, "profile");
});

test("profile: empty name refused on its field, new name saved", async () => {
  await visit(page, "/profile");
  await submit(page, { name: "" }, "Save");
  await expectFieldError(page, "name", "Enter your full name.");
  await expectFocus(page, "name");
  await audit(page, "profile (name error)");

  await submit(page, { name: ADA_NEW_NAME }, "Save");
  check(new URL(page.url()).pathname === "/profile", `after saving: ${page.url()}`);
  await expectFlash(page, "Profile saved.");
  checkEq(await page.inputValue("#name"), ADA_NEW_NAME, "saved name");
  await expectText(page, ADA_NEW_NAME, "header");
  await audit(page, "profile update");
  await snap(page, "profile-update");
});

test("profile: password change errors on their fields, then changed", async () => {
  await visit(page, "/profile");
  await submit(page, {}, "Change password");
  await expectFieldError(page, "current_password", "Enter your current password.");
  await expectFocus(page, "current_password");

  await submit(page, { current_password: "wrong wrong wrong", new_password: ADA_CHANGED, new_password_confirm: ADA_CHANGED }, "Change password");
  await expectFieldError(page, "current_password", "Your current password is not right.");

  await submit(page, { current_password: ADA.password, new_password: "short", new_password_confirm: "short" }, "Change password");
  await expectFieldError(page, "new_password", "Use at least 12 characters");
  await expectFocus(page, "new_password");

  await submit(page, { current_password: ADA.password, new_password: ADA_CHANGED, new_password_confirm: ADA_CHANGED + "!" }, "Change password");
  await expectFieldError(page, "new_password_confirm", "The two new passwords do not match.");
  await audit(page, "profile (password errors)");

  await submit(page, { current_password: ADA.password, new_password: ADA_CHANGED, new_password_confirm: ADA_CHANGED }, "Change password");
  await expectFlash(page, "Password changed. Your other sessions have been ended.");
});

test("sessions page (when the site has one): accessible", async () => {
  const r = await visit(page, "/profile/sessions");
  if (r.status() === 404) { console.log("#   /profile/sessions: not on this site (404), not scanned"); return; }
  checkEq(r.status(), 200, "status of /profile/sessions");
  await audit(page, "sessions", r);
});

test("logout: confirm page, logged out, back button shows no account data", async () => {
  await visit(page, "/profile");
  const r = await visit(page, "/logout");
  await expectHeading(page, "Log out");
  await audit(page, "logout", r);
  await snap(page, "logout");
  await submit(page, {}, "Log out");
  await expectFlash(page, "You are logged out.");
  await expectText(page, "You are not logged in.");

  for (let i = 0; i < 3; i++) {
    await page.goBack().catch(() => null);
    await page.waitForLoadState();
    const text = await bodyText(page);
    for (const secret of [ADA.email, ADA_NEW_NAME, ADA.name]) {
      check(!text.includes(secret), `after logout, back ${i + 1}× shows ${JSON.stringify(secret)} at ${page.url()}`);
    }
  }
  // The profile now asks to log in.
  await visit(page, "/profile");
  check(new URL(page.url()).pathname === "/login", `/profile after logout went to ${page.url()}`);
});

test("login with the changed password", async () => {
  await visit(page, "/login");
  await submit(page, { email: ADA.email, password: ADA_CHANGED });
  check(new URL(page.url()).pathname === "/profile", `after logging in: ${page.url()}`);
  await visit(page, "/logout");
  await submit(page, {}, "Log out");
});

test("reset request: error on its field, accessible, snapshot", async () => {
  const r = await visit(page, "/reset");
  await expectHeading(page, "Reset your password");
  await audit(page, "reset request", r);
  await snap(page, "reset-request");
  await submit(page, { email: "nobody at example" });
  await expectFieldError(page, "email", "Enter an email address like name@example.com.");
  await expectFocus(page, "email");
  await audit(page, "reset request (error)");
});

let resetUrl = "";
test("reset: link read in the development inbox, new password set, login again", async () => {
  resetUrl = await askForReset(page, ADA.email);
  await audit(page, "reset sent");

  // The inbox, as a person opens it: the mail is listed.
  const inbox = await newPage();
  try {
    await inbox.goto(site.inbox + "/");
    await inbox.getByText(ADA.email).first().waitFor({ timeout: 10000 }).catch(async () => {
      await inbox.getByText(/reset/i).first().waitFor({ timeout: 5000 });
    });
  } finally { await inbox.context().close(); }

  const r = await page.goto(resetUrl);
  checkEq(r.status(), 200, "status of the reset link");
  await expectHeading(page, "Choose a new password");
  await expectText(page, ADA.email);
  await audit(page, "reset confirm", r);
  await snap(page, "reset-confirm");

  await submit(page, { password: "short", password_confirm: "short" });
  await expectFieldError(page, "password", "Use at least 12 characters");
  await expectFocus(page, "password");
  await submit(page, { password: ADA_RESET, password_confirm: ADA_RESET + "?" });
  await expectFieldError(page, "password_confirm", "The two passwords do not match.");
  await expectFocus(page, "password_confirm");
  await audit(page, "reset confirm (errors)");

  await submit(page, { password: ADA_RESET, password_confirm: ADA_RESET });
  check(new URL(page.url()).pathname === "/login", `after the reset: ${page.url()}`);
  await expectFlash(page, "Your password has been changed. Log in with the new one.");

  await submit(page, { email: ADA.email, password: ADA_CHANGED });
  await expectFieldError(page, "password", "The email address or the password is not right.");
  await submit(page, { email: ADA.email, password: ADA_RESET });
  check(new URL(page.url()).pathname === "/profile", `after logging in with the new password: ${page.url()}`);
  await expectText(page, ADA.email);
  await visit(page, "/logout");
  await submit(page, {}, "Log out");
});

test("reset: used and damaged links say so", async () => {
  check(resetUrl, "no link from the previous test");
  let r = await page.goto(resetUrl);
  await expectHeading(page, "This link cannot be used");
  await expectText(page, "This reset link has already been used.");
  await audit(page, "reset link used", r);
  r = await page.goto(resetUrl.replace(/token=.*/, "token=abc"));
  await expectText(page, "This reset link is incomplete or damaged.");
  r = await page.goto(resetUrl.replace(/token=.*/, "token=" + "A".repeat(43)));
  await expectText(page, "This reset link is not valid.");
  await audit(page, "reset link invalid", r);
});

test("reset: expired link page, accessible, snapshot", async () => {
  const p = await newPage();
  try {
    const who = { name: "Grace Hopper", email: "grace.hopper@example.test", password: "cobol compiler moth 1947" };
    await visit(p, "/register", site.expiring);
    await submit(p, { name: who.name, email: who.email, password: who.password, password_confirm: who.password });
    const link = await askForReset(p, who.email, site.expiring);
    await sleep((EXPIRING_TTL + 1.5) * 1000);
    const r = await p.goto(link);
    await expectHeading(p, "This link cannot be used");
    await expectText(p, "This reset link has expired. Ask for a new one.");
    check(await p.getByRole("link", { name: "Ask for a new link" }).count() === 1, "no way to ask again");
    await audit(p, "reset expired", r);
    await snap(p, "reset-expired");
  } finally { await p.context().close(); }
});

test("sign-up: expired, damaged and unknown links, each its page", async () => {
  const p = await newPage();
  try {
    const base = site.signupExpiring;
    const who = { name: "Mary Somerville", email: "mary.somerville@example.test", password: "mechanism heavens 1831" };
    const before = mailsTo(await inboxMails(), who.email).length;
    await visit(p, "/register", base);
    await submit(p, { name: who.name, email: who.email, password: who.password, password_confirm: who.password });
    await expectHeading(p, "Check your inbox");
    const link = signupLink(await waitForMail(who.email, before + 1, base));
    await sleep((EXPIRING_TTL + 1.5) * 1000);
    let r = await p.goto(link);
    checkEq(r.status(), 410, "status of an expired sign-up link");
    await expectHeading(p, "This link cannot be used");
    await expectText(p, "This sign-up link has expired. Create your account again to get a new one.");
    check(await p.getByRole("link", { name: "Create an account" }).count() >= 1, "no way to sign up again");
    await audit(p, "sign-up link expired", r);
    await snap(p, "signup-expired");
    r = await p.goto(link.slice(0, -10));
    checkEq(r.status(), 400, "status of a cut sign-up link");
    await expectText(p, "This sign-up link is incomplete or damaged.");
    await audit(p, "sign-up link damaged", r);
    r = await p.goto(link.replace(/token=./, (m) => m.endsWith("A") ? "token=B" : "token=A"));
    checkEq(r.status(), 404, "status of an unknown sign-up link");
    await expectText(p, "This sign-up link is not valid.");
  } finally { await p.context().close(); }
});

test("login: too many failed attempts say so on the email field", async () => {
  const p = await newPage();
  try {
    const who = { name: "Alan Turing", email: "alan.turing@example.test", password: "enigma bombe hut eight" };
    await visit(p, "/register", site.expiring);
    await submit(p, { name: who.name, email: who.email, password: who.password, password_confirm: who.password });
    for (let i = 0; i < 5; i++) await submit(p, { email: who.email, password: `wrong guess number ${i}` });
    await submit(p, { email: who.email, password: who.password });
    await expectFieldError(p, "email", "Too many failed attempts.");
    await expectFocus(p, "email");
    await audit(p, "login (throttled)");
  } finally { await p.context().close(); }
});

test("keyboard only: skip link, register and log in without a mouse", async () => {
  const p = await newPage();
  try {
    const who = { name: "Katherine Johnson", email: "katherine.johnson@example.test", password: "orbit trajectory 1962 x" };
    const mailsBefore = mailsTo(await inboxMails(), who.email).length;
    await visit(p, "/register");
    await p.keyboard.press("Tab");
    checkEq(await p.evaluate(() => document.activeElement.textContent), "Skip to content", "first Tab stop");
    check(await p.locator(".skip").isVisible(), "the skip link shows when focused");
    const outline = await p.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(outline !== "none", "the focused link has a visible outline");
    await p.keyboard.press("Enter");
    // From the main content, Tab to the first field.
    let steps = 0;
    while ((await focusedId(p)) !== "name" && steps++ < 10) await p.keyboard.press("Tab");
    await expectFocus(p, "name");
    await p.keyboard.type(who.name);
    await p.keyboard.press("Tab"); await expectFocus(p, "email"); await p.keyboard.type(who.email);
    await p.keyboard.press("Tab"); await expectFocus(p, "password"); await p.keyboard.type(who.password);
    await p.keyboard.press("Tab"); // the "Show password" toggle
    await p.keyboard.press("Tab"); await expectFocus(p, "password_confirm"); await p.keyboard.type(who.password);
    await Promise.all([p.waitForNavigation(), p.keyboard.press("Enter")]);
    await expectHeading(p, "Check your inbox");
    // The link from the mail, its button pressed from the keyboard.
    await p.goto(signupLink(await waitForMail(who.email, mailsBefore + 1)));
    steps = 0;
    while ((await focusedId(p)) !== "password" && steps++ < 15) await p.keyboard.press("Tab");
    await expectFocus(p, "password");
    await p.keyboard.type(who.password);
    await Promise.all([p.waitForNavigation(), p.keyboard.press("Enter")]);
    check(new URL(p.url()).pathname === "/profile", `keyboard confirmation ended at ${p.url()}`);
    await visit(p, "/login");
    steps = 0;
    while ((await focusedId(p)) !== "email" && steps++ < 15) await p.keyboard.press("Tab");
    await expectFocus(p, "email");
    await p.keyboard.type(who.email);
    await p.keyboard.press("Tab"); await expectFocus(p, "password"); await p.keyboard.type(who.password);
    await Promise.all([p.waitForNavigation(), p.keyboard.press("Enter")]);
    check(new URL(p.url()).pathname === "/profile", `keyboard login ended at ${p.url()}`);
    // The password toggle works from the keyboard too.
    await visit(p, "/profile");
    await p.focus("#current_password");
    await p.keyboard.press("Tab");
    checkEq(await p.evaluate(() => document.activeElement.className), "toggle-password", "Tab after a password field");
    await p.keyboard.press("Enter");
    checkEq(await p.getAttribute("#current_password", "type"), "text", "password shown after Enter on the toggle");
  } finally { await p.context().close(); }
});

test("JavaScript disabled: register (with errors), confirm, log out and in", async () => {
  const p = await newPage({ javaScriptEnabled: false });
  try {
    const who = { name: "Hedy Lamarr", email: "hedy.lamarr@example.test", password: "frequency hopping 1942" };
    await visit(p, "/register");
    await submit(p, { name: who.name, email: who.email, password: who.password, password_confirm: "different" });
    await expectFieldError(p, "password_confirm", "The two passwords do not match.");
    check(await p.locator(".toggle-password").count() === 0, "no script ran");
    const mailsBefore = mailsTo(await inboxMails(), who.email).length;
    await submit(p, { email: who.email, password: who.password, password_confirm: who.password });
    await expectHeading(p, "Check your inbox");
    await confirmFromInbox(p, who, mailsBefore + 1);
    await expectText(p, who.email);
    await visit(p, "/logout");
    await submit(p, {}, "Log out");
    await expectText(p, "You are not logged in.");
    await visit(p, "/login");
    await submit(p, { email: who.email, password: who.password });
    check(new URL(p.url()).pathname === "/profile", `after logging in without JS: ${p.url()}`);
  } finally { await p.context().close(); }
});


// ---------------------------------------------------------------------------
// More error messages, each on the page it belongs to

// Registers `who` on the site at `base` in page p: on the main site through
// the mailed link (ends logged in), on the expiring site at once (ends on
// the login page).
async function register(p, who, base = site.base) {
  if (base !== site.expiring) return signUp(p, who, base);
  await visit(p, "/register", base);
  await submit(p, { name: who.name, email: who.email, password: who.password, password_confirm: who.password });
  check(new URL(p.url()).pathname === "/login", `after registering ${who.email}: ${p.url()}`);
}

async function logIn(p, email, password, base = site.base) {
  await visit(p, "/login", base);
  await submit(p, { email, password });
  check(new URL(p.url()).pathname === "/profile", `after logging in as ${email}: ${p.url()}`);
}

// Takes the maxlength off a field, as a browser that ignores it would.
async function dropMaxlength(p, id) {
  await p.evaluate((i) => document.getElementById(i).removeAttribute("maxlength"), id);
}

test("register: control and direction characters, over-long name and password", async () => {
  const p = await newPage();
  try {
    await visit(p, "/register");
    // A right-to-left override pasted into the name, a bell into the password.
    await submit(p, { name: "Ada \u202Eecalevol", email: "controls@example.test",
      password: "correct horse\u0007battery staple", password_confirm: "correct horse\u0007battery staple" });
    await expectFieldError(p, "name", "The name contains characters that are not allowed (control or direction characters).");
    await expectFieldError(p, "password", "The password contains control characters.");
    await expectFocus(p, "name");
    await audit(p, "register (control characters)");

    // The fields stop a person at their limits...
    checkEq(await p.getAttribute("#name", "maxlength"), "100", "maxlength of the name");
    checkEq(await p.getAttribute("#password", "maxlength"), "128", "maxlength of the password");
    await p.fill("#password", "p".repeat(200));
    checkEq((await p.inputValue("#password")).length, 128, "typed password stopped at maxlength");
    // ...and the server says so to a browser that does not.
    await dropMaxlength(p, "name");
    await dropMaxlength(p, "password");
    await dropMaxlength(p, "password_confirm");
    const long = "word ".repeat(26) + "end"; // 133 characters
    await submit(p, { name: "N".repeat(101), password: long, password_confirm: long });
    await expectFieldError(p, "name", "Use at most 100 characters for your name.");
    await expectFieldError(p, "password", "Use at most 128 characters.");
    await audit(p, "register (too long)");
  } finally { await p.context().close(); }
});

test("403 pages: a form without its cookie, and a form from before logging in again", async () => {
  const p = await newPage();
  try {
    // Cookies blocked (or cleared) between showing the form and sending it.
    await visit(p, "/login");
    // Once the page is done (site.js has fetched its passkey challenge).
    await p.waitForLoadState("networkidle");
    await p.context().clearCookies();
    await p.fill("#email", ADA.email);
    await p.fill("#password", "whatever it is");
    const [r] = await Promise.all([p.waitForNavigation(), p.locator("main form button[type=submit]").first().click()]);
    checkEq(r.status(), 403, "status without the cookie");
    await expectText(p, "Your browser did not send the cookie this form needs. Please allow cookies for this site, reload the page and try again.");
    await audit(p, "403 (no cookie)", r);

    // A profile form left open in one tab while the other tab logged out
    // and in again: its token belongs to the old session.
    const who = { name: "Lise Meitner", email: "lise.meitner@example.test", password: "fission uranium 1938 x" };
    await register(p, who);
    await logIn(p, who.email, who.password);
    const other = await newTab(p.context());
    await visit(p, "/profile");
    await visit(other, "/logout");
    await submit(other, {}, "Log out");
    await logIn(other, who.email, who.password);
    await p.fill("#name", "Lise M.");
    const [r2] = await Promise.all([p.waitForNavigation(), p.getByRole("button", { name: "Save", exact: true }).click()]);
    checkEq(r2.status(), 403, "status of a stale form");
    await expectText(p, "This form has expired or was not sent from this site. Please reload the page and try again.");
    await audit(p, "403 (stale form)", r2);
    // Reloading the profile gives a form that works.
    await visit(p, "/profile");
    await submit(p, { name: "Lise M." }, "Save");
    await expectFlash(p, "Profile saved.");
  } finally { await p.context().close(); }
});

test("reset: a link made old by a newer one says so", async () => {
  const p = await newPage();
  try {
    const who = { name: "Rosalind Franklin", email: "rosalind.franklin@example.test", password: "photo fifty one 1952" };
    await register(p, who);
    const first = await askForReset(p, who.email);
    const second = await askForReset(p, who.email);
    check(first !== second, "two requests gave the same link");
    const r = await p.goto(first);
    await expectHeading(p, "This link cannot be used");
    await expectText(p, "A newer reset link was sent after this one, so this one no longer works. Use the newest email, or ask for a new link.");
    await audit(p, "reset link superseded", r);
    const r2 = await p.goto(second);
    checkEq(r2.status(), 200, "the newest link works");
    await expectHeading(p, "Choose a new password");
  } finally { await p.context().close(); }
});

// Mary: the profile extras (picture, sessions, email change) on the main site.
const MARY = { name: "Mary Somerville", email: "mary.somerville@example.test", password: "connexion physical sciences" };
const MARY_NEW_EMAIL = "mary.fairfax@example.test";
let mary; // her browser tab

// A real PNG, w × h pixels: a screenshot of part of the page.
async function pngOf(p, w, h) {
  return p.screenshot({ clip: { x: 0, y: 0, width: w, height: h } });
}

async function choosePicture(p, name, mimeType, buffer) {
  await p.setInputFiles("#picture", { name, mimeType, buffer });
}

test("profile picture: errors on the picture field, upload shown, then removed", async () => {
  mary = await newPage();
  await register(mary, MARY);
  await logIn(mary, MARY.email, MARY.password);
  const png = await pngOf(mary, 48, 48);
  check(png.subarray(1, 4).toString() === "PNG", "the screenshot is a PNG");

  const refusals = [
    ["empty.png", "image/png", Buffer.alloc(0), "The file you chose is empty."],
    ["notes.png", "image/png", Buffer.from("These are my notes, not a picture.\n"), "That file is not a PNG, JPEG or WebP picture."],
    ["cut.png", "image/png", png.subarray(0, Math.floor(png.length / 2)), "That picture is incomplete (the file is cut off). Try saving it again."],
  ];
  // A PNG whose header says 9000 × 48 pixels.
  const wide = Buffer.from(png);
  wide.writeUInt32BE(9000, 16);
  refusals.push(["wide.png", "image/png", wide, "The picture must be at most 8192 pixels wide and high."]);
  for (const [name, type, buffer, message] of refusals) {
    await visit(mary, "/profile");
    await choosePicture(mary, name, type, buffer);
    await submit(mary, {}, "Save");
    await expectFieldError(mary, "picture", message);
    await expectFocus(mary, "picture");
  }
  await audit(mary, "profile (picture error)");

  // Over 2 MiB: the page says so before uploading.
  const big = Buffer.alloc(2 * 1024 * 1024 + 1000, 0x41);
  await visit(mary, "/profile");
  await choosePicture(mary, "big.png", "image/png", big);
  const before = mary.url();
  await mary.getByRole("button", { name: "Save", exact: true }).click();
  await sleep(300);
  checkEq(mary.url(), before, "a too-large picture is not sent");
  checkEq(await mary.getAttribute("#picture", "aria-invalid"), "true", "aria-invalid of the too-large picture");
  const described = (await mary.getAttribute("#picture", "aria-describedby")).split(/\s+/);
  check(described.includes("picture-size-error"), `the size error is not tied to the field: ${described}`);
  checkEq((await mary.locator("#picture-size-error").innerText()).trim(), "The picture is larger than 2 MiB. Choose a smaller one.", "size error");
  await expectFocus(mary, "picture");

  // Far over the limit, sent past the script's check: the server's page.
  await choosePicture(mary, "huge.png", "image/png", Buffer.alloc(3 * 1024 * 1024, 0x41));
  const [huge] = await Promise.all([mary.waitForNavigation(), mary.evaluate(() => document.querySelector("#picture").form.submit())]);
  checkEq(huge.status(), 413, "status of a far too large form");
  await expectHeading(mary, "The form is too large");
  await audit(mary, "413", huge);

  // A good picture: saved and shown.
  await visit(mary, "/profile");
  await choosePicture(mary, "me.png", "image/png", png);
  await submit(mary, {}, "Save");
  await expectFlash(mary, "Profile saved.");
  const img = mary.locator("main img.picture");
  checkEq(await img.count(), 1, "the picture on the profile");
  checkEq(await img.getAttribute("alt"), "Your picture", "alt text of the picture");
  const loaded = await img.evaluate((el) => el.complete && el.naturalWidth);
  checkEq(loaded, 48, "width of the picture as loaded");
  await audit(mary, "profile (with picture)");

  await mary.check("#remove_picture");
  await submit(mary, {}, "Save");
  await expectFlash(mary, "Profile saved. Your picture has been removed.");
  checkEq(await mary.locator("main img.picture").count(), 0, "no picture after removing it");
});

test("JavaScript disabled: a too-large picture is refused by the server", async () => {
  const p = await newPage({ javaScriptEnabled: false });
  try {
    const who = { name: "Ada Yonath", email: "ada.yonath@example.test", password: "ribosome crystals 2009" };
    await register(p, who);
    await logIn(p, who.email, who.password);
    await visit(p, "/profile");
    await choosePicture(p, "big.png", "image/png", Buffer.alloc(2 * 1024 * 1024 + 1000, 0x41));
    await submit(p, {}, "Save");
    await expectFieldError(p, "picture", "The picture is larger than 2 MiB. Choose a smaller one.");
    // Far over the limit: the whole form is refused.
    await visit(p, "/profile");
    await choosePicture(p, "huge.png", "image/png", Buffer.alloc(3 * 1024 * 1024, 0x41));
    const [r] = await Promise.all([p.waitForNavigation(), p.getByRole("button", { name: "Save", exact: true }).click()]);
    checkEq(r.status(), 413, "status of a far too large form");
    await expectHeading(p, "The form is too large");
    await expectText(p, "a picture can be at most 2 MiB");
    // (axe needs JavaScript: the picture test above scans this page.)
  } finally { await p.context().close(); }
});

test("sessions: another browser listed, wrong password refused, one ended, all others ended", async () => {
  const elsewhere = await newPage();
  const third = await newPage();
  try {
    await logIn(elsewhere, MARY.email, MARY.password);
    await visit(mary, "/profile");
    await Promise.all([mary.waitForNavigation(), mary.getByRole("link", { name: "See your sessions" }).click()]);
    await expectHeading(mary, "Where you are logged in");
    checkEq(await mary.locator("table.sessions tbody tr").count(), 2, "sessions listed");
    checkEq(await mary.locator("table.sessions tbody tr.current").count(), 1, "this browser marked");

    const endOne = mary.locator("button[name=session]").first();
    await mary.fill("#current_password", "not my password at all");
    await Promise.all([mary.waitForNavigation(), endOne.click()]);
    await expectFieldError(mary, "current_password", "Your current password is not right.");
    await expectFocus(mary, "current_password");
    await audit(mary, "sessions (wrong password)");

    // A second tab with the same list, left open.
    const stale = await newTab(mary.context());
    await visit(stale, "/profile/sessions");

    await mary.fill("#current_password", MARY.password);
    await Promise.all([mary.waitForNavigation(), mary.locator("button[name=session]").first().click()]);
    await expectFlash(mary, "That session has been ended.");
    await expectText(mary, "You are logged in only in this browser.");
    await visit(elsewhere, "/profile");
    check(new URL(elsewhere.url()).pathname === "/login", `the ended session still works: ${elsewhere.url()}`);

    await stale.fill("#current_password", MARY.password);
    await Promise.all([stale.waitForNavigation(), stale.locator("button[name=session]").first().click()]);
    const err = stale.locator("#session-error[role=alert]");
    checkEq(await err.count(), 1, "error of a session already ended");
    checkEq((await err.innerText()).trim(), "That session has already ended, or it is not one of yours.", "session error");
    await audit(stale, "sessions (already ended)");
    await stale.close();

    await logIn(elsewhere, MARY.email, MARY.password);
    await logIn(third, MARY.email, MARY.password);
    await visit(mary, "/profile/sessions");
    checkEq(await mary.locator("table.sessions tbody tr").count(), 3, "sessions listed");
    await submit(mary, { current_password: MARY.password }, "Log out all other sessions");
    await expectFlash(mary, "All your other sessions have been ended.");
    checkEq(await mary.locator("table.sessions tbody tr").count(), 1, "sessions left");
    for (const p of [elsewhere, third]) {
      await visit(p, "/profile");
      check(new URL(p.url()).pathname === "/login", `an ended session still works: ${p.url()}`);
    }
  } finally {
    await elsewhere.context().close();
    await third.context().close();
  }
});

async function askForEmailChange(p, newEmail, password, base = site.base) {
  const before = mailsTo(await inboxMails(), newEmail).length;
  await visit(p, "/profile", base);
  await submit(p, { new_email: newEmail, email_current_password: password }, "Change email address");
  await expectFlash(p, "We sent a link to the new address. Your email address changes when you open it.");
  return linkIn(await waitForMail(newEmail, before + 1, base), "/profile/email/confirm");
}

test("email change: errors on their fields, cancel, address taken meanwhile, changed, used link", async () => {
  await visit(mary, "/profile");
  await submit(mary, { new_email: "mary at home" }, "Change email address");
  await expectFieldError(mary, "new_email", "Enter an email address like name@example.com.");
  await expectFieldError(mary, "email_current_password", "Enter your current password.");
  await expectFocus(mary, "new_email");
  await audit(mary, "profile (email errors)");
  await submit(mary, { new_email: MARY.email.toUpperCase(), email_current_password: MARY.password }, "Change email address");
  await expectFieldError(mary, "new_email", "That is already your email address.");
  await submit(mary, { new_email: MARY_NEW_EMAIL, email_current_password: "wrong again, sorry" }, "Change email address");
  await expectFieldError(mary, "email_current_password", "Your current password is not right.");
  await expectFocus(mary, "email_current_password");
  checkEq(await mary.inputValue("#new_email"), MARY_NEW_EMAIL, "new address kept after an error");

  // Asked, then cancelled: the link no longer works.
  const cancelled = await askForEmailChange(mary, MARY_NEW_EMAIL, MARY.password);
  await expectText(mary, `Waiting for confirmation: ${MARY_NEW_EMAIL}`);
  const notice = await waitForMail(MARY.email, 1);
  check(/email/i.test(notice.subject ?? ""), `the old address is told: ${notice.subject}`);
  await audit(mary, "profile (email change waiting)");
  await submit(mary, {}, "Cancel this change");
  await expectFlash(mary, "The change of your email address has been cancelled.");
  let r = await mary.goto(cancelled);
  await expectHeading(mary, "The address was not changed");
  await expectText(mary, "This confirmation link no longer works: the change was cancelled, asked for again with a newer link, or the password was changed since.");
  await audit(mary, "email link superseded", r);

  // Asked for an address someone else registers before the link is opened.
  const taken = { name: "Caroline Herschel", email: "caroline.herschel@example.test", password: "comet sweeper 1786 x" };
  const takenLink = await askForEmailChange(mary, taken.email, MARY.password);
  const q = await newPage();
  try { await register(q, taken); } finally { await q.context().close(); }
  r = await mary.goto(takenLink);
  await expectHeading(mary, "Confirm your new email address");
  const [r2] = await Promise.all([mary.waitForNavigation(), mary.getByRole("button", { name: "Confirm the new address" }).click()]);
  checkEq(r2.status(), 409, "status when the address was taken meanwhile");
  await expectText(mary, `Another account uses ${taken.email} now, so the address was not changed. Choose another address on your profile page.`);
  await audit(mary, "email address taken", r2);

  // Asked, confirmed: changed; the link then says it was used.
  const link = await askForEmailChange(mary, MARY_NEW_EMAIL, MARY.password);
  r = await mary.goto(link);
  checkEq(r.status(), 200, "status of the confirmation link");
  await expectHeading(mary, "Confirm your new email address");
  await expectText(mary, MARY_NEW_EMAIL);
  await audit(mary, "email confirm", r);
  await Promise.all([mary.waitForNavigation(), mary.getByRole("button", { name: "Confirm the new address" }).click()]);
  check(new URL(mary.url()).pathname === "/profile", `after confirming: ${mary.url()}`);
  await expectFlash(mary, "Your email address has been changed.");
  await expectText(mary, MARY_NEW_EMAIL);
  await mary.goto(link);
  await expectText(mary, "This confirmation link has already been used.");
  await mary.goto(link.replace(/token=.*/, "token=xyz"));
  await expectText(mary, "This confirmation link is incomplete or damaged. Copy the whole link from the email.");
  r = await mary.goto(link.replace(/token=.*/, "token=" + "B".repeat(43)));
  await expectText(mary, "This confirmation link is not valid.");
  await audit(mary, "email link invalid", r);

  // The fourth request within the hour.
  await visit(mary, "/profile");
  await submit(mary, { new_email: "mary.third@example.test", email_current_password: MARY.password }, "Change email address");
  await expectFieldError(mary, "new_email", "You asked to change your address too often in the last hour. Try again later.");
  await audit(mary, "profile (email change limit)");

  // The new address logs in; the old one no longer does.
  const p = await newPage();
  try {
    await visit(p, "/login");
    await submit(p, { email: MARY.email, password: MARY.password });
    await expectFieldError(p, "password", "The email address or the password is not right.");
    await logIn(p, MARY_NEW_EMAIL, MARY.password);
  } finally { await p.context().close(); }
  await mary.context().close();
});

// ---------------------------------------------------------------------------
// Two-step login: the codes an authenticator app would show, computed here
// (RFC 6238: HMAC-SHA1, 6 digits, 30 s) from the key the set-up page shows.

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const ch of text.replace(/[\s=]/g, "").toUpperCase()) {
    const v = alphabet.indexOf(ch);
    check(v >= 0, `not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

const nowStep = () => Math.floor(Date.now() / 30000);

// The app's codes, each of a later step than the last one used (the site
// accepts no step twice), waiting when the clock must catch up.
class Authenticator {
  constructor(secret) { this.secret = secret; this.step = 0; }
  async next() {
    this.step = Math.max(this.step + 1, nowStep() - 1);
    while (this.step > nowStep() + 1) await sleep(500);
    return totp(this.secret, this.step);
  }
}

test("two-step login: on from the key on the page, code step, recovery code, asked again, off", async () => {
  const who = { name: "Grace Hopper", email: "grace.hopper@example.test", password: "compiler harbour nine 1906" };
  const p = await newPage();
  const others = [];
  try {
    await register(p, who);
    await logIn(p, who.email, who.password);
    await expectText(p, "Off.");
    let r = await visit(p, "/profile/two-factor");
    await expectHeading(p, "Two-step login");
    await audit(p, "two-step login (off)", r);
    await submit(p, { current_password: "not my password at all" }, "Set up two-step login");
    await expectFieldError(p, "current_password", "Your current password is not right.");
    await submit(p, { current_password: who.password }, "Set up two-step login");
    await expectHeading(p, "Set up two-step login");
    const qr = await p.locator("img.qr").evaluate((img) => ({ ok: img.complete, width: img.naturalWidth }));
    check(qr.ok && qr.width > 0, "the QR code is shown");
    await audit(p, "two-step login set-up (QR code)");
    await snap(p, "two-factor-setup");
    const app = new Authenticator(base32Decode(await p.locator("#secret").innerText()));
    checkEq(app.secret.length, 20, "a 160-bit key");
    await submit(p, { code: totp(app.secret, nowStep() + 5) }, "Turn two-step login on");
    await expectFieldError(p, "code", "That code is not right");
    await expectFocus(p, "code");
    await submit(p, { code: await app.next() }, "Turn two-step login on");
    await expectHeading(p, "Your recovery codes");
    const codes = await p.locator(".recovery-codes code").allInnerTexts();
    checkEq(codes.length, 10, "recovery codes shown");
    await audit(p, "recovery codes");
    await snap(p, "two-factor-codes");
    const [download] = await Promise.all([p.waitForEvent("download"),
      p.getByRole("button", { name: "Download as a text file", exact: true }).click()]);
    const saved = path.join(BUILD, "e2e-recovery-codes.txt");
    await download.saveAs(saved);
    const text = readFileSync(saved, "utf8");
    unlinkSync(saved);
    check(codes.every((c) => text.includes(c)), "the downloaded file holds every code");
    await visit(p, "/profile");
    await expectText(p, "On.");

    // Another browser: the password, then the code step.
    const q = await newPage();
    others.push(q);
    await visit(q, "/login");
    await submit(q, { email: who.email, password: who.password });
    checkEq(new URL(q.url()).pathname, "/login/code", "after the password");
    await expectHeading(q, "Enter your code");
    await audit(q, "login code step");
    await snap(q, "login-code");
    await visit(q, "/profile");  // the pending login opens no page
    checkEq(new URL(q.url()).pathname, "/login", "the profile with only the password step done");
    await visit(q, "/login/code");
    await submit(q, { code: totp(app.secret, nowStep() - 4) }, "Log in");
    await expectFieldError(q, "code", "That code is not right, or it was used already.");
    await audit(q, "login code step (wrong code)");
    await submit(q, { code: await app.next() }, "Log in");
    checkEq(new URL(q.url()).pathname, "/profile", "logged in with the code");
    await expectFlash(q, "You are logged in.");

    // A third browser, with a recovery code (the phone is lost).
    const t = await newPage();
    others.push(t);
    await visit(t, "/login");
    await submit(t, { email: who.email, password: who.password });
    await submit(t, { code: codes[0] }, "Log in");
    checkEq(new URL(t.url()).pathname, "/profile", "logged in with a recovery code");
    await expectFlash(t, "You are logged in with a recovery code, which now no longer works. See how many you have left on your profile page.");

    // Asked again: a password change without the code is refused on the code field.
    await visit(p, "/profile");
    await submit(p, { current_password: who.password, new_password: "another long pass phrase 1906", new_password_confirm: "another long pass phrase 1906" }, "Change password");
    await expectFieldError(p, "password_code", "Enter the 6-digit code from your authenticator app");
    await audit(p, "profile (code missing)");

    // Off, with the password and a code.
    await visit(p, "/profile/two-factor");
    await expectText(p, "9 recovery codes");
    await audit(p, "two-step login (on)");
    await submit(p, { off_password: who.password }, "Turn two-step login off");
    await expectFieldError(p, "off_code", "Enter the 6-digit code");
    await submit(p, { off_password: who.password, off_code: await app.next() }, "Turn two-step login off");
    await expectFlash(p, "Two-step login is off. Your password alone opens your account now.");
    const u = await newPage();
    others.push(u);
    await logIn(u, who.email, who.password);
  } finally {
    for (const o of others) await o.context().close();
    await p.context().close();
  }
});

// ---------------------------------------------------------------------------
// Passkeys, with a CDP virtual authenticator in the page's browser (ctap2,
// internal transport, resident keys, user verification): the site is served
// at http://localhost:PORT, which WebAuthn takes as a secure context.

// The virtual authenticator answers a conditional (autofill) request at
// once, as if the person picked the passkey: so that a page can show the
// button, autofill is on only in a tab named "autofill" (an init script,
// which the page's CSP does not govern, as for a browser without autofill).
async function addAuthenticator(p) {
  await p.addInitScript(() => {
    if (!window.PublicKeyCredential || !PublicKeyCredential.isConditionalMediationAvailable) return;
    const available = PublicKeyCredential.isConditionalMediationAvailable.bind(PublicKeyCredential);
    PublicKeyCredential.isConditionalMediationAvailable = () =>
      window.name === "autofill" ? available() : Promise.resolve(false);
  });
  const cdp = await p.context().newCDPSession(p);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: {
    protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
    isUserVerified: true, automaticPresenceSimulation: true } });
  return { cdp, authenticatorId };
}

async function logOut(p) {
  await visit(p, "/logout");
  await submit(p, {}, "Log out");
  await expectFlash(p, "You are logged out.");
}

// The form fields of the next POST to `path` the page sends.
function captureForm(p, pathname) {
  return new Promise((resolve) => {
    const onRequest = (req) => {
      if (req.method() === "POST" && new URL(req.url()).pathname === pathname) {
        p.off("request", onRequest);
        resolve(Object.fromEntries(new URLSearchParams(req.postData() ?? "")));
      }
    };
    p.on("request", onRequest);
  });
}

async function clickAndWait(p, name) {
  await Promise.all([p.waitForNavigation(), p.getByRole("button", { name, exact: true }).click()]);
}

test("passkeys: added, login with the button and autofill, renamed, step-up, refusals, removed", async () => {
  const who = { name: "Mary Jackson", email: "mary.jackson@example.test", password: "wind tunnel chalk 1921" };
  const p = await newPage();
  const others = [];
  try {
    const { cdp, authenticatorId } = await addAuthenticator(p);
    await register(p, who);
    let r = await visit(p, "/profile/passkeys");
    await expectHeading(p, "Your passkeys");
    await expectText(p, "You have no passkeys yet.");
    await audit(p, "passkeys (none)", r);
    await submit(p, { name: "Laptop", current_password: "not the password at all" }, "Continue");
    await expectFieldError(p, "current_password", "Your current password is not right.");
    await submit(p, { name: "Laptop", current_password: who.password }, "Continue");
    await expectHeading(p, "Add a passkey");
    await audit(p, "add a passkey");
    await clickAndWait(p, "Create the passkey");
    checkEq(new URL(p.url()).pathname, "/profile/passkeys", "after making the passkey");
    await expectFlash(p, "Passkey added. You can log in with it now.");
    await expectText(p, "Laptop");
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    checkEq(credentials.length, 1, "credentials in the authenticator");
    check(credentials[0].isResidentCredential, "a resident (discoverable) credential");
    await audit(p, "passkeys (one)");
    await snap(p, "passkeys");
    await waitForMail(who.email, 2);  // the sign-up link, then "a passkey was added"
    check(mailsTo(await inboxMails(), who.email).some((m) => /A passkey was added/.test(m.subject)), "notice of the passkey");

    // Log out, then in with the button: no password, no code.
    await logOut(p);
    r = await visit(p, "/login");
    check(await p.getByRole("button", { name: "Log in with a passkey", exact: true }).isVisible(), "the passkey button is shown");
    checkEq(await p.locator("#email").getAttribute("autocomplete"), "username webauthn", "autofill asked for");
    await audit(p, "login (passkey button)", r);
    await snap(p, "login-passkey");
    const sent = captureForm(p, "/login/passkey");
    await clickAndWait(p, "Log in with a passkey");
    checkEq(new URL(p.url()).pathname, "/profile", "logged in with the passkey");
    await expectFlash(p, "You are logged in with your passkey.");
    const old = await sent;
    await visit(p, "/profile/sessions");
    await expectText(p, "passkey");

    // The same answer again: its challenge is spent.
    await visit(p, "/profile");
    const token = await p.locator("input[name=csrf_token]").first().inputValue();
    const replay = await p.request.post(url("/login/passkey"), { form: { ...old, csrf_token: token }, maxRedirects: 0 });
    checkEq(replay.status(), 403, "a replayed assertion");
    check((await replay.text()).includes("That passkey request is not valid any more"), "the replay is refused on the page");

    // Autofill (conditional mediation): the login page alone logs in.
    await logOut(p);
    await p.evaluate(() => { window.name = "autofill"; });
    await Promise.all([p.waitForURL((u) => u.pathname === "/profile", { timeout: 15000 }), visit(p, "/login")]);
    await p.evaluate(() => { window.name = ""; });
    await expectFlash(p, "You are logged in with your passkey.");

    // An answer rewritten to name another origin is refused.
    await logOut(p);
    await visit(p, "/login");
    await p.route("**/login/passkey", async (route) => {
      const form = new URLSearchParams(route.request().postData());
      const json = Buffer.from(form.get("client_data"), "base64url").toString().replace(site.base, "http://evil.localhost:1");
      form.set("client_data", Buffer.from(json).toString("base64url"));
      await route.continue({ postData: form.toString() });
    });
    await clickAndWait(p, "Log in with a passkey");
    await p.unroute("**/login/passkey");
    await expectText(p, "That passkey answer was made for another site");
    await audit(p, "login (passkey refused)");
    await clickAndWait(p, "Log in with a passkey");
    await expectFlash(p, "You are logged in with your passkey.");

    // Renamed.
    await visit(p, "/profile/passkeys");
    const id = await p.locator("input[name=passkey]").first().inputValue();
    await p.fill(`#rename-${id}`, "Work laptop");
    await clickAndWait(p, "Rename Laptop");
    await expectFlash(p, "Passkey renamed.");
    await expectText(p, "Work laptop");

    // Step-up: with two-step login on, the passkey stands in for the code.
    await visit(p, "/profile/two-factor");
    await submit(p, { current_password: who.password }, "Set up two-step login");
    const app = new Authenticator(base32Decode(await p.locator("#secret").innerText()));
    await submit(p, { code: await app.next() }, "Turn two-step login on");
    await expectHeading(p, "Your recovery codes");
    await visit(p, "/profile/two-factor");
    await p.fill("#codes_password", who.password);
    await Promise.all([p.waitForNavigation(), p.locator("#codes_code ~ button.passkey-step-up, #codes_code-hint ~ button.passkey-step-up").first().click()]);
    await expectHeading(p, "Your recovery codes");

    // Another account presenting this account's credential at its step-up.
    const q = await newPage();
    others.push(q);
    const bob = { name: "Bob Other", email: "bob.other@example.test", password: "another quiet harbour 2024" };
    const second = await addAuthenticator(q);
    await register(q, bob);
    await visit(q, "/profile/passkeys");
    await submit(q, { name: "Bob's", current_password: bob.password }, "Continue");
    await clickAndWait(q, "Create the passkey");
    await q.route("**/profile/passkeys/challenge", async (route) => {
      const answer = await route.fetch();
      const json = await answer.json();
      json.credentials = [credentials[0].credentialId.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")];
      await route.fulfill({ response: answer, json });
    });
    await second.cdp.send("WebAuthn.addCredential", { authenticatorId: second.authenticatorId, credential: credentials[0] });
    await visit(q, "/profile/two-factor");
    await submit(q, { current_password: bob.password }, "Set up two-step login");
    const bobApp = new Authenticator(base32Decode(await q.locator("#secret").innerText()));
    await submit(q, { code: await bobApp.next() }, "Turn two-step login on");
    await visit(q, "/profile/two-factor");
    await q.fill("#codes_password", bob.password);
    await q.locator("button.passkey-step-up").first().click();
    await q.locator("#codes_code-passkey-status:not([hidden])").waitFor({ timeout: 10000 });
    await expectText(q, "This passkey belongs to another account.");

    // Removed: it no longer opens the account.
    await visit(p, "/profile/passkeys");
    await clickAndWait(p, "Remove Work laptop");
    await expectFlash(p, "Passkey removed. It no longer opens your account.");
    await expectText(p, "You have no passkeys yet.");
    await logOut(p);
    await visit(p, "/login");
    await clickAndWait(p, "Log in with a passkey");
    checkEq(new URL(p.url()).pathname, "/login/passkey", "a removed passkey");
    await expectText(p, "This passkey is not known here");
  } finally {
    for (const o of others) await o.context().close();
    await p.context().close();
  }
});

test("your data: activity, download, privacy, deleting the account (errors on their fields, last mail), snapshots", async () => {
  const p = await newPage();
  try {
    const who = { name: "Dorothy Vaughan", email: "dorothy.vaughan@example.test", password: "fortran punch card 1949" };
    await signUp(p, who);
    await expectText(p, "Your account's activity");
    // Activity: the sign-up and the login just made, newest first.
    let r = await visit(p, "/profile/activity");
    await expectHeading(p, "Your account's activity");
    await expectText(p, "Address confirmed, account made");
    checkEq((await r.allHeaders())["cache-control"], "no-store", "Cache-Control of /profile/activity");
    await audit(p, "activity", r);
    await snap(p, "activity");

    // The download: JSON with the profile, no hash and no token.
    const download = await p.context().request.get(url("/profile/export"));
    checkEq(download.status(), 200, "status of /profile/export");
    const headers = download.headers();
    checkEq(headers["content-disposition"], 'attachment; filename="my-account-data.json"', "Content-Disposition");
    check((headers["cache-control"] ?? "").includes("no-store"), `Cache-Control of the download: ${headers["cache-control"]}`);
    const data = JSON.parse(await download.text());
    checkEq(data.profile.email, who.email, "address in the download");
    check(!(await download.text()).includes("argon2"), "no password hash in the download");

    // The privacy page, from the footer.
    await visit(p, "/profile");
    await Promise.all([p.waitForNavigation(), p.locator("footer").getByRole("link", { name: "Privacy" }).click()]);
    await expectHeading(p, "Privacy");
    await audit(p, "privacy");
    await snap(p, "privacy");

    // Deleting: the address typed wrong, then the password wrong, then both right.
    r = await visit(p, "/profile/delete");
    await expectHeading(p, "Delete your account");
    await audit(p, "delete account", r);
    await snap(p, "delete-account");
    await submit(p, { current_password: who.password, confirm_email: "someone.else@example.test" }, "Delete my account for good");
    await expectFieldError(p, "confirm_email", "Type the address of this account");
    await expectFocus(p, "confirm_email");
    await audit(p, "delete account (address error)");
    await submit(p, { current_password: "not my password at all", confirm_email: who.email }, "Delete my account for good");
    await expectFieldError(p, "current_password", "Your current password is not right.");
    await expectFocus(p, "current_password");
    const mailsBefore = mailsTo(await inboxMails(), who.email).length;
    await submit(p, { current_password: who.password, confirm_email: who.email }, "Delete my account for good");
    check(new URL(p.url()).pathname === "/", `after deleting: ${p.url()}`);
    await expectFlash(p, "Your account has been deleted, with everything the site kept about it.");
    await audit(p, "account deleted");
    await snap(p, "account-deleted");
    const last = await waitForMail(who.email, mailsBefore + 1);
    check(/Your account was deleted/.test(last.subject ?? ""), `the last mail: ${last.subject}`);
    // Logging in again finds no account.
    await visit(p, "/login");
    await submit(p, { email: who.email, password: who.password });
    check(new URL(p.url()).pathname === "/login", `a login after deleting went to ${p.url()}`);
  } finally { await p.context().close(); }
});

test("expiring site: expired email-change link, then too many wrong passwords", async () => {
  const p = await newPage();
  try {
    const base = site.expiring;
    const who = { name: "Emmy Noether", email: "emmy.noether@example.test", password: "symmetry conservation 1915" };
    await register(p, who, base);
    await logIn(p, who.email, who.password, base);
    const link = await askForEmailChange(p, "emmy.n@example.test", who.password, base);
    await sleep((EXPIRING_TTL + 1.5) * 1000);
    const r = await p.goto(link);
    await expectHeading(p, "The address was not changed");
    await expectText(p, "This confirmation link has expired. Ask for the change again on your profile page.");
    await audit(p, "email link expired", r);

    await visit(p, "/profile", base);
    for (let i = 0; i < 5; i++) {
      await submit(p, { current_password: `wrong password ${i}`, new_password: "a brand new passphrase", new_password_confirm: "a brand new passphrase" }, "Change password");
      await expectFieldError(p, "current_password", "Your current password is not right.");
    }
    await submit(p, { current_password: who.password, new_password: "a brand new passphrase", new_password_confirm: "a brand new passphrase" }, "Change password");
    const err = await p.locator("#current_password-error").innerText();
    check(/^Too many wrong passwords\. Wait \d+ minutes? and try again\.$/.test(err.trim()), `throttled password change says ${JSON.stringify(err)}`);
    await expectFieldError(p, "current_password", "Too many wrong passwords.");
    await audit(p, "profile (password throttled)");
  } finally { await p.context().close(); }
});

test("expiring site: too many reset requests from one network", async () => {
  const p = await newPage();
  try {
    let refusedAt = 0;
    for (let i = 1; i <= 12 && !refusedAt; i++) {
      await visit(p, "/reset", site.expiring);
      await submit(p, { email: `someone${i}@example.test` });
      if ((await heading(p)) !== "Check your email") refusedAt = i;
    }
    check(refusedAt > 1, `reset requests never refused, or refused at once (${refusedAt})`);
    await expectFieldError(p, "email", "Too many reset requests from your network. Please try again in an hour.");
    await expectFocus(p, "email");
    await audit(p, "reset request (throttled)");
  } finally { await p.context().close(); }
});

// ---------------------------------------------------------------------------

// The admin area: the e2e sites have the harness's protecting block on
// (lighttpd mod_auth, an htpasswd file) and ADMIN_USERS=admin.
const ADMIN_LOGIN = { username: "admin", password: "admin password 7Qx" }; // tests/integration/harness.py
const CHARLES = { name: "Charles Babbage", email: "charles.babbage@example.test", password: "difference engine 1822 x" };

test("admin area: refused without the server's login, find, account, lock, events, mail, delete; accessible, snapshots", async () => {
  const stranger = await newPage();
  const person = await newPage();
  const a = await newPage({ httpCredentials: ADMIN_LOGIN });
  try {
    // Without the server's own login: its challenge, never an admin page.
    // (Chromium does not show a 401 page to a tab without credentials: asked directly.)
    const refused = await stranger.request.get(url("/admin", site.expiring));
    check([401, 404].includes(refused.status()), `GET /admin without credentials: ${refused.status()}`);
    check(!(await refused.text()).includes("Find an account"), "an admin page without credentials");
    const forged = await stranger.request.get(url("/admin", site.expiring), { headers: { "Remote-User": "admin", "X-Remote-User": "admin" } });
    check([401, 404].includes(forged.status()), `GET /admin with forged headers: ${forged.status()}`);

    await register(person, CHARLES, site.expiring);
    await logIn(person, CHARLES.email, CHARLES.password, site.expiring);

    let r = await visit(a, "/admin?q=" + encodeURIComponent("Babbage"), site.expiring);
    checkEq(r.status(), 200, "GET /admin as the admin");
    checkEq((await r.allHeaders())["x-robots-tag"], "noindex", "X-Robots-Tag");
    checkEq((await r.allHeaders())["cache-control"], "no-store", "Cache-Control");
    await expectHeading(a, "Find an account");
    await audit(a, "admin find", r);
    await snap(a, "admin-find");

    await Promise.all([a.waitForNavigation(), a.getByRole("link", { name: CHARLES.email }).click()]);
    await expectHeading(a, CHARLES.email);
    await audit(a, "admin account", null);
    await snap(a, "admin-account");

    await submit(a, {}, "Lock the account");
    await expectFlash(a, "The account is locked and its sessions have ended.");
    await audit(a, "admin account locked", null);
    r = await visit(person, "/profile", site.expiring);
    checkEq(new URL(person.url()).pathname, "/login", "the person's session after the lock");
    await submit(person, { email: CHARLES.email, password: CHARLES.password });
    await expectFieldError(person, "email", "This account is locked. Ask the site's administrator to unlock it.");
    await audit(person, "login of a locked account", null);
    await snap(person, "login-locked");

    await submit(a, {}, "Unlock the account");
    await expectFlash(a, "The account is unlocked.");
    await submit(a, {}, "Mail it a reset link");
    await expectFlash(a, "A reset link is on its way to the account's address.");
    await waitForMail(CHARLES.email, 1, site.expiring);

    await Promise.all([a.waitForNavigation(), a.getByRole("link", { name: "Its security events" }).click()]);
    await expectHeading(a, "Security events");
    const events = await bodyText(a);
    for (const name of ["account.locked", "account.unlocked", "password.reset_requested"])
      check(events.includes(name), `${name} in the event log`);
    await audit(a, "admin events", null);
    await snap(a, "admin-events");

    r = await visit(a, "/admin/mail", site.expiring);
    await expectHeading(a, "Mail queue");
    await audit(a, "admin mail", r);
    await snap(a, "admin-mail");

    // Delete: the address typed again, its error on its field first.
    await visit(a, "/admin?q=" + encodeURIComponent("Babbage"), site.expiring);
    await Promise.all([a.waitForNavigation(), a.getByRole("link", { name: CHARLES.email }).click()]);
    await submit(a, { confirm_email: "someone.else@example.test" }, "Delete the account");
    await expectFieldError(a, "confirm_email", "Type the account's address to delete it.");
    await audit(a, "admin delete: address not typed right", null);
    await submit(a, { confirm_email: CHARLES.email }, "Delete the account");
    await expectFlash(a, "The account has been deleted.");
    await expectHeading(a, "Find an account");
  } finally {
    for (const p of [stranger, person, a]) await p.context().close();
  }
});

async function main() {
  const t0 = Date.now();
  let passed = 0;
  let failed = 0;
  try {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (Debian package chromium)`);
    await startSite();
    await startBrowser();
    page = await newPage();
    for (const t of tests) {
      if (args.filter && !t.name.includes(args.filter)) continue;
      const start = Date.now();
      let timer;
      try {
        // A test that hangs fails after TEST_TIMEOUT instead of holding up the run.
        await Promise.race([t.fn(), new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Failure(`no result after ${TEST_TIMEOUT / 1000} s`)), TEST_TIMEOUT);
        })]);
        passed++;
        console.log(`ok   ${t.name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        const why = e instanceof Failure ? e.message : (e.stack ?? String(e)).split("\n").slice(0, 3).join(" | ");
        console.log(`FAIL ${t.name}: ${why}`);
      } finally {
        clearTimeout(timer);
      }
    }
    console.log(`# axe-core scanned ${[...scanned.keys()].length} page states: ${[...scanned.keys()].join(", ")}`);
    console.log(`# e2e run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.log(`FAIL e2e setup: ${e.message}`);
    failed++;
  } finally {
    await stopAll();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { stopAll().finally(() => process.exit(1)); });
await main();
